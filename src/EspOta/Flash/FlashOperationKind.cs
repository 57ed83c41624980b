namespace EspOta.Flash;

/// <summary>The kinds of flash operation.</summary>
public enum FlashOperationKind
{
    /// <summary>A read.</summary>
    Read,
    /// <summary>A program (write).</summary>
    Write,
    /// <summary>A sector erase.</summary>
    Erase,
}
