namespace EspOta.Server.Storage;

/// <summary>
/// One versioned schema change: <c>Storage/Migrations/&lt;provider&gt;/&lt;id&gt;.sql</c>, embedded in the
/// assembly. Migrations run in ordinal order of <see cref="Id"/>, each once, inside a transaction
/// that also records it in <c>schema_migrations</c>.
/// </summary>
/// <param name="Id">The file name without <c>.sql</c>, e.g. <c>0001_core</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record Migration(string Id, string Sql);
