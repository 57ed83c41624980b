namespace EspOta.Torture;

/// <summary>
/// What an ideal, power-safe OTA system would boot: the model the real device is held to after a cut.
/// Apps are named by their version string.
/// </summary>
/// <param name="Rollback">Whether the bootloader was built with rollback (a new app gets one trial boot).</param>
/// <param name="Confirmed">The permanent choice: the app that boots when no update is pending.</param>
/// <param name="Previous">The app confirmed before <paramref name="Confirmed"/> (an app-initiated rollback returns to it), or null.</param>
/// <param name="Pending">An update fully written, verified and selected but not yet permanent, or null.</param>
/// <param name="TrialRan">With rollback: <paramref name="Pending"/> has already run once without confirming itself.</param>
public readonly record struct IdealOta(bool Rollback, string Confirmed, string? Previous, string? Pending, bool TrialRan)
{
    /// <summary>
    /// The factory app of the layout, or null. ESP-IDF treats it as the rollback target whenever the other
    /// otadata entry is gone (<c>esp_ota_check_rollback_is_possible</c>: an invalid inactive entry and a valid factory app).
    /// </summary>
    public string? Factory { get; init; }

    /// <summary>The app the next boot must run.</summary>
    public string ExpectedBoot => Pending is not null && (!Rollback || !TrialRan) ? Pending : Confirmed;

    /// <summary>The model after a boot: a pending update gets its trial (rollback) or becomes permanent (no rollback); a used-up trial rolls back.</summary>
    public IdealOta AfterBoot()
    {
        if (Pending is null)
        {
            return this;
        }

        if (!Rollback)
        {
            return this with { Previous = Confirmed, Confirmed = Pending, Pending = null, TrialRan = false };
        }

        return TrialRan ? this with { Pending = null, TrialRan = false } : this with { TrialRan = true };
    }

    /// <summary>The model after <c>esp_ota_set_boot_partition</c> selected <paramref name="app"/>.</summary>
    public IdealOta AfterSelect(string app) => app == Confirmed && Pending is null
        ? this
        : this with { Pending = app, TrialRan = false };

    /// <summary>The model after the app <paramref name="running"/> confirmed itself.</summary>
    public IdealOta AfterMarkValid(string running) => running == Pending
        ? this with { Previous = Confirmed, Confirmed = running, Pending = null, TrialRan = false }
        : this;

    /// <summary>The model after the app <paramref name="running"/> declared itself broken (<c>esp_ota_mark_app_invalid_rollback</c>).</summary>
    public IdealOta AfterMarkInvalid(string running)
    {
        if (running == Pending)
        {
            return this with { Pending = null, TrialRan = false };
        }

        return running == Confirmed && Previous is not null ? this with { Confirmed = Previous, Previous = null } : this;
    }

    /// <summary>The model after a factory reset: the factory app is the only choice.</summary>
    public IdealOta AfterFactoryReset(string factory) => this with { Confirmed = factory, Previous = null, Pending = null, TrialRan = false };

    /// <summary>The model after the previous app was erased (<c>esp_ota_erase_last_boot_app_partition</c>).</summary>
    /// <remarks>With a factory app, that app becomes the rollback target (ESP-IDF goes back to it when the other entry is gone).</remarks>
    public IdealOta AfterPreviousErased() => this with { Previous = Factory is { } f && f != Confirmed ? f : null };

    /// <inheritdoc />
    public override string ToString() =>
        $"confirmed {Confirmed}{(Previous is null ? "" : $", previous {Previous}")}{(Pending is null ? "" : $", pending {Pending}{(TrialRan ? " (trial ran)" : "")}")}";
}
