using System.Numerics;

namespace EspOta.Partitions;

/// <summary>
/// The type and subtype keywords of <c>gen_esp32part.py</c> v5.5.5 (<c>TYPES</c> / <c>SUBTYPES</c>), in
/// the tool's order, optionally extended by <c>--extra-partition-subtypes</c> entries. Order matters:
/// the binary-to-CSV writer prints the first keyword whose value matches, and error messages list
/// the keywords in this order.
/// </summary>
public sealed class PartitionKeywords
{
    private static readonly (string Name, long Value)[] TypeTable =
    [
        ("bootloader", 0x02),
        ("partition_table", 0x03),
        ("app", 0x00),
        ("data", 0x01),
    ];

    private readonly Dictionary<long, List<(string Name, long Value)>> _subtypes;

    private PartitionKeywords(Dictionary<long, List<(string Name, long Value)>> subtypes)
    {
        _subtypes = subtypes;
    }

    /// <summary>The keywords of ESP-IDF v5.5.5 without extras.</summary>
    public static PartitionKeywords Default { get; } = CreateDefault();

    /// <summary>
    /// The default keywords plus <paramref name="extraSubtypes"/>, each <c>"type,name,value"</c> with
    /// <c>type</c> one of the four type keywords and <c>value</c> hexadecimal (with or without <c>0x</c>),
    /// exactly like <c>--extra-partition-subtypes</c> (an existing name gets the new value in place; a
    /// value already used by that type is refused).
    /// </summary>
    public static PartitionKeywords WithExtraSubtypes(IEnumerable<string> extraSubtypes)
    {
        ArgumentNullException.ThrowIfNull(extraSubtypes);
        var keywords = CreateDefault();
        foreach (string entry in extraSubtypes)
        {
            keywords.AddExtra(entry);
        }

        return keywords;
    }

    /// <summary>The type keywords in the tool's order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Types => [.. TypeTable.Select(t => KeyValuePair.Create(t.Name, t.Value))];

    /// <summary>The subtype keywords of <paramref name="type"/> in the tool's order (empty for custom types).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> SubtypesOf(long type) =>
        _subtypes.TryGetValue(type, out var list) ? [.. list.Select(t => KeyValuePair.Create(t.Name, t.Value))] : [];

    /// <summary>The first type keyword with value <paramref name="type"/>, or null.</summary>
    public string? TypeName(long type)
    {
        foreach (var (name, value) in TypeTable)
        {
            if (value == type)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The first subtype keyword of <paramref name="type"/> with value <paramref name="subtype"/>, or null.</summary>
    public string? SubtypeName(long type, long subtype)
    {
        if (_subtypes.TryGetValue(type, out var list))
        {
            foreach (var (name, value) in list)
            {
                if (value == subtype)
                {
                    return name;
                }
            }
        }

        return null;
    }

    internal static bool TryGetType(string name, out long value)
    {
        foreach (var t in TypeTable)
        {
            if (t.Name == name)
            {
                value = t.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }

    internal static IReadOnlyList<(string Name, long Value)> TypeList => TypeTable;

    internal IReadOnlyList<(string Name, long Value)> SubtypeList(long type) =>
        _subtypes.TryGetValue(type, out var list) ? list : [];

    /// <summary>The value of a named subtype of a standard type (the tool looks these up by name).</summary>
    internal long Subtype(long type, string name) =>
        SubtypeList(type).First(t => t.Name == name).Value;

    internal bool TryGetSubtype(long type, string name, out long value)
    {
        foreach (var t in SubtypeList(type))
        {
            if (t.Name == name)
            {
                value = t.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Every subtype keyword of every type (duplicates possible), as the tool's name check sees them.</summary>
    internal bool IsAnySubtypeName(string name) => _subtypes.Values.Any(list => list.Exists(t => t.Name == name));

    private static PartitionKeywords CreateDefault()
    {
        var app = new List<(string, long)> { ("factory", PartitionSubtypes.AppFactory), ("test", PartitionSubtypes.AppTest) };
        for (int slot = 0; slot < PartitionSubtypes.OtaSlotCount; slot++)
        {
            app.Add(($"ota_{slot}", PartitionSubtypes.AppOtaMin + slot));
        }

        for (int slot = 0; slot < PartitionSubtypes.TeeSlotCount; slot++)
        {
            app.Add(($"tee_{slot}", PartitionSubtypes.AppTeeMin + slot));
        }

        return new PartitionKeywords(new Dictionary<long, List<(string, long)>>
        {
            [(long)PartitionType.Bootloader] = [("primary", PartitionSubtypes.BootloaderPrimary), ("ota", PartitionSubtypes.BootloaderOta), ("recovery", PartitionSubtypes.BootloaderRecovery)],
            [(long)PartitionType.PartitionTable] = [("primary", PartitionSubtypes.PartitionTablePrimary), ("ota", PartitionSubtypes.PartitionTableOta)],
            [(long)PartitionType.App] = app,
            [(long)PartitionType.Data] =
            [
                ("ota", PartitionSubtypes.DataOta),
                ("phy", PartitionSubtypes.DataPhy),
                ("nvs", PartitionSubtypes.DataNvs),
                ("coredump", PartitionSubtypes.DataCoredump),
                ("nvs_keys", PartitionSubtypes.DataNvsKeys),
                ("efuse", PartitionSubtypes.DataEfuse),
                ("undefined", PartitionSubtypes.DataUndefined),
                ("esphttpd", PartitionSubtypes.DataEspHttpd),
                ("fat", PartitionSubtypes.DataFat),
                ("spiffs", PartitionSubtypes.DataSpiffs),
                ("littlefs", PartitionSubtypes.DataLittleFs),
                ("tee_ota", PartitionSubtypes.DataTeeOta),
            ],
        });
    }

    // gen_esp32part.py add_extra_subtypes(): fields split on ',' and stripped; the value is int(x, 16).
    private void AddExtra(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string[] fields = [.. entry.Split(',').Select(PythonText.Strip)];
        if (fields.Length < 3)
        {
            throw new PartitionTableException($"Error parsing custom subtypes: '{entry}' is not 'type,name,value'");
        }

        if (!PythonText.TryParseInt(fields[2], 16, out BigInteger big) || big < long.MinValue || big > long.MaxValue)
        {
            throw new PartitionTableException($"Error parsing custom subtypes: invalid literal for int() with base 16: '{fields[2]}'");
        }

        long value = (long)big;
        bool typeKnown = TryGetType(fields[0], out long type);
        foreach (var (typeValue, list) in _subtypes)
        {
            if (!list.Exists(t => t.Value == value))
            {
                continue;
            }

            // The tool only resolves the type name once the value is found among some type's subtypes.
            if (!typeKnown)
            {
                throw new PartitionTableException("Error parsing custom subtypes: Invalid partition type");
            }

            if (typeValue == type)
            {
                throw new PartitionTableException($"Error parsing custom subtypes: Found duplicate value in partition subtype ({entry})");
            }
        }

        if (!typeKnown)
        {
            throw new PartitionTableException($"Error parsing custom subtypes: unknown partition type '{fields[0]}'");
        }

        var target = _subtypes[type];
        int existing = target.FindIndex(t => t.Name == fields[1]);
        if (existing >= 0)
        {
            target[existing] = (fields[1], value);
        }
        else
        {
            target.Add((fields[1], value));
        }
    }
}
