namespace NovaMind.Grains.Twins;

/// <summary>Data minimisation for raw readings (configuration section <c>Twins:History</c>).</summary>
public sealed record TwinHistoryOptions
{
    /// <summary>
    /// Raw day chunks older than this many days are deleted once they are aggregated (the daily aggregates stay, for
    /// 800 days); readings older than that are refused at ingest. Null (the default): raw readings are kept.
    /// </summary>
    public int? RawRetentionDays { get; set; }
}
