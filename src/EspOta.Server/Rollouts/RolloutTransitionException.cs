namespace EspOta.Server.Rollouts;

/// <summary>An operator action that the rollout's state does not allow (resume a cancelled rollout, …).</summary>
public sealed class RolloutTransitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RolloutTransitionException(string rolloutId, RolloutState state, string action)
        : base($"rollout '{rolloutId}' is {state.ToString().ToLowerInvariant()}: it cannot {action}")
    {
        RolloutId = rolloutId;
        State = state;
        Action = action;
    }

    /// <summary>The rollout.</summary>
    public string RolloutId { get; }

    /// <summary>Its state.</summary>
    public RolloutState State { get; }

    /// <summary>What was asked.</summary>
    public string Action { get; }
}
