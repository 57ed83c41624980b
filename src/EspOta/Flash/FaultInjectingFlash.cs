namespace EspOta.Flash;

/// <summary>
/// Wraps a flash and cuts the power at a planned point by throwing <see cref="PowerLossException"/>.
/// Once tripped, every further operation throws too until <see cref="PowerOn"/>: nothing may run on
/// after the power is gone.
/// </summary>
/// <remarks>
/// Modelled on MCUboot's simulator: the flash knows nothing about bootloaders; a counter of mutating
/// operations decides when the lights go out.
/// </remarks>
public sealed class FaultInjectingFlash : IFlash
{
    private FaultPlan? _plan;
    private long _budgetLeft;

    /// <summary>Wraps <paramref name="inner"/>, with no fault planned.</summary>
    public FaultInjectingFlash(IFlash inner)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    /// <summary>The wrapped flash, which holds the state that survives a cut.</summary>
    public IFlash Inner { get; }

    /// <inheritdoc />
    public long Size => Inner.Size;

    /// <inheritdoc />
    public int SectorSize => Inner.SectorSize;

    /// <summary>Writes and erases performed (or attempted) since creation or <see cref="ResetCount"/>.</summary>
    public long OperationCount { get; private set; }

    /// <summary>True once power has failed, until <see cref="PowerOn"/>.</summary>
    public bool PowerLost { get; private set; }

    /// <summary>The exception thrown at the cut, if it happened.</summary>
    public PowerLossException? LastPowerLoss { get; private set; }

    /// <summary>Plans the next power failure; replaces any earlier plan.</summary>
    public void Arm(FaultPlan plan)
    {
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _budgetLeft = plan.WriteByteBudget ?? long.MaxValue;
    }

    /// <summary>Removes the planned failure.</summary>
    public void Disarm() => _plan = null;

    /// <summary>Restores power after a cut (the plan is cleared; the contents stay as the cut left them).</summary>
    public void PowerOn()
    {
        PowerLost = false;
        _plan = null;
    }

    /// <summary>Sets <see cref="OperationCount"/> back to zero.</summary>
    public void ResetCount() => OperationCount = 0;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination)
    {
        ThrowIfOff(FlashOperationKind.Read, address);
        Inner.Read(address, destination);
    }

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        ThrowIfOff(FlashOperationKind.Write, address);
        long index = OperationCount++;
        var plan = _plan;
        if (plan is null)
        {
            Inner.Write(address, data);
            return;
        }

        int allowed = data.Length;
        if (plan.CutAtOperation == index)
        {
            allowed = Math.Clamp(plan.BytesWrittenBeforeCut, 0, data.Length);
        }

        if (plan.WriteByteBudget is not null)
        {
            allowed = Math.Min(allowed, BytesWithinBudget(address, data.Length, plan));
        }

        if (allowed == data.Length && plan.CutAtOperation != index)
        {
            ConsumeBudget(address, data.Length, plan);
            Inner.Write(address, data);
            return;
        }

        if (allowed > 0)
        {
            Inner.Write(address, data[..allowed]);
        }

        Trip(index, FlashOperationKind.Write, address, allowed);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        ThrowIfOff(FlashOperationKind.Erase, address);
        long index = OperationCount++;
        var plan = _plan;
        if (plan is null || plan.CutAtOperation != index)
        {
            Inner.Erase(address, length);
            return;
        }

        InterruptedErase.Apply(Inner, address, length, plan.SectorsErasedBeforeCut, plan.LeaveHalfErasedSector, plan.Seed, index);
        Trip(index, FlashOperationKind.Erase, address, 0);
    }

    private int BytesWithinBudget(long address, int length, FaultPlan plan)
    {
        long regionEnd = plan.BudgetStart + Math.Min(plan.BudgetLength, long.MaxValue - plan.BudgetStart);
        long overlapStart = Math.Max(address, plan.BudgetStart);
        long overlapEnd = Math.Min(address + length, regionEnd);
        if (overlapEnd <= overlapStart || overlapEnd - overlapStart <= _budgetLeft)
        {
            return length;
        }

        // Bytes before the region and the first budget bytes inside it land; the next one does not.
        return (int)(overlapStart - address + _budgetLeft);
    }

    private void ConsumeBudget(long address, int length, FaultPlan plan)
    {
        if (plan.WriteByteBudget is null)
        {
            return;
        }

        long regionEnd = plan.BudgetStart + Math.Min(plan.BudgetLength, long.MaxValue - plan.BudgetStart);
        long overlap = Math.Min(address + length, regionEnd) - Math.Max(address, plan.BudgetStart);
        if (overlap > 0)
        {
            _budgetLeft -= overlap;
        }
    }

    private void Trip(long index, FlashOperationKind kind, long address, long completed)
    {
        PowerLost = true;
        _plan = null;
        LastPowerLoss = new PowerLossException(index, kind, address, completed);
        throw LastPowerLoss;
    }

    private void ThrowIfOff(FlashOperationKind kind, long address)
    {
        if (PowerLost)
        {
            throw new PowerLossException(OperationCount, kind, address, 0);
        }
    }
}
