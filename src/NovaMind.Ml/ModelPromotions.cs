using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NovaMind.Ml;

/// <summary>One promotion of a model version to served (<c>CURRENT</c>): who, when, why, and exactly which bytes.</summary>
/// <param name="ArtifactSha256">Over every file of the version folder (relative path and content hash, in ordinal order).</param>
/// <param name="Report">The version's evaluation report (relative to the models root) and its SHA-256; null when it has none.</param>
/// <param name="Chain">SHA-256 of the previous line of the log and this record without <c>Chain</c>: editing or removing an
/// earlier line breaks every later one.</param>
public sealed record ModelPromotion(
    DateTimeOffset At, string Kind, string Version, string? Previous, string By, string Reason,
    string ArtifactSha256, string? Report, string? ReportSha256, string Chain);

/// <summary>
/// The append-only promotion log <c>models/promotions.jsonl</c> (one JSON record per line, hash-chained), written by every
/// promotion (<c>train … --promote</c>, <c>models promote</c>) and checked by <c>models verify</c> and the test suite:
/// the chain is intact, each kind's <c>CURRENT</c> is its last promotion, and each promoted version's files are still the
/// bytes that were promoted.
/// </summary>
public static class ModelPromotions
{
    public const string LogFile = "promotions.jsonl";

    /// <summary>Makes <paramref name="version"/> of <paramref name="kind"/> the served one and appends its record.</summary>
    public static ModelPromotion Promote(string modelsRoot, string kind, string version, string by, string reason, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var kindRoot = Path.Combine(modelsRoot, kind);
        var folder = Path.Combine(kindRoot, version);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no {kind} model version {version}: {folder} does not exist");
        var currentPath = Path.Combine(kindRoot, ModelArtifacts.CurrentFile);
        var previous = File.Exists(currentPath) ? File.ReadAllText(currentPath).Trim() : null;
        var report = new[] { "report.md", "report.json" }.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);

        var logPath = Path.Combine(modelsRoot, LogFile);
        var lastLine = File.Exists(logPath) ? File.ReadLines(logPath).LastOrDefault(l => l.Length > 0) : null;
        var record = new ModelPromotion(at ?? DateTimeOffset.UtcNow, kind, version, previous, by.Trim(), reason.Trim(), ArtifactHash(folder),
            report is null ? null : Path.GetRelativePath(modelsRoot, report).Replace('\\', '/'), report is null ? null : Sha256(File.ReadAllBytes(report)), "");
        record = record with { Chain = ChainHash(lastLine, record) };

        File.AppendAllText(logPath, JsonSerializer.Serialize(record, ModelArtifacts.CompactJson) + "\n");
        File.WriteAllText(currentPath, version + "\n");
        return record;
    }

    public static IReadOnlyList<ModelPromotion> Read(string modelsRoot)
    {
        var logPath = Path.Combine(modelsRoot, LogFile);
        return File.Exists(logPath)
            ? [.. File.ReadLines(logPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<ModelPromotion>(l, ModelArtifacts.CompactJson)!)]
            : [];
    }

    /// <summary>Every way the log and the artifacts disagree (empty when they agree).</summary>
    public static IReadOnlyList<string> Verify(string modelsRoot)
    {
        var problems = new List<string>();
        var logPath = Path.Combine(modelsRoot, LogFile);
        if (!File.Exists(logPath)) return [$"{LogFile} is missing: no promotion is on record"];
        string? previousLine = null;
        var lineNumber = 0;
        var last = new Dictionary<string, ModelPromotion>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(logPath))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            ModelPromotion? record;
            try { record = JsonSerializer.Deserialize<ModelPromotion>(line, ModelArtifacts.CompactJson); }
            catch (JsonException) { record = null; }
            if (record is null) { problems.Add($"line {lineNumber} is not a promotion record"); previousLine = line; continue; }
            if (record.Chain != ChainHash(previousLine, record))
                problems.Add($"line {lineNumber} ({record.Kind} {record.Version}): the chain hash does not match — this or an earlier line was changed or removed");
            last[record.Kind] = record;
            previousLine = line;
        }
        foreach (var (kind, record) in last)
        {
            var currentPath = Path.Combine(modelsRoot, kind, ModelArtifacts.CurrentFile);
            var current = File.Exists(currentPath) ? File.ReadAllText(currentPath).Trim() : null;
            if (current != record.Version)
                problems.Add($"{kind}/{ModelArtifacts.CurrentFile} names {current ?? "nothing"}, but the last promotion on record is {record.Version}");
            var folder = Path.Combine(modelsRoot, kind, record.Version);
            if (!Directory.Exists(folder)) problems.Add($"{kind} {record.Version} was promoted but its folder is gone");
            else if (ArtifactHash(folder) != record.ArtifactSha256)
                problems.Add($"{kind} {record.Version}: its files changed after promotion (artifact hash differs); promote a new version instead");
        }
        foreach (var kindRoot in Directory.EnumerateDirectories(modelsRoot))
            if (File.Exists(Path.Combine(kindRoot, ModelArtifacts.CurrentFile)) && !last.ContainsKey(Path.GetFileName(kindRoot)))
                problems.Add($"{Path.GetFileName(kindRoot)}/{ModelArtifacts.CurrentFile} exists but no promotion of {Path.GetFileName(kindRoot)} is on record");
        return problems;
    }

    /// <summary>SHA-256 over "relative path, NUL, SHA-256 of content, newline" for every file, in ordinal path order.</summary>
    public static string ArtifactHash(string folder)
    {
        var lines = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Select(f => (Full: f, Relative: Path.GetRelativePath(folder, f).Replace('\\', '/')))
                     .OrderBy(f => f.Relative, StringComparer.Ordinal))
            lines.Append(file.Relative).Append('\0').Append(Sha256(File.ReadAllBytes(file.Full))).Append('\n');
        return Sha256(Encoding.UTF8.GetBytes(lines.ToString()));
    }

    private static string ChainHash(string? previousLine, ModelPromotion record) =>
        Sha256(Encoding.UTF8.GetBytes((previousLine ?? "") + "\n" + JsonSerializer.Serialize(record with { Chain = "" }, ModelArtifacts.CompactJson)));

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
