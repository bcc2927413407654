namespace NovaMind.Grains.Twins;

/// <summary>How a twin keeps and announces its readings: retention, state checkpoints, live updates (configuration section <c>Twins:History</c>).</summary>
public sealed record TwinHistoryOptions
{
    /// <summary>
    /// Raw day chunks older than this many days are deleted once they are aggregated (the daily aggregates stay, for
    /// 800 days); readings older than that are refused at ingest. Null (the default): raw readings are kept.
    /// </summary>
    public int? RawRetentionDays { get; set; }

    /// <summary>
    /// The twin's state (aggregates) is written at most this long after an ingest; until then the day chunks already
    /// written carry what it needs (ADR 0019: the chunks are the write-ahead log). Zero writes the state with every ingest.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The state is also written after this many ingests since the last write, which bounds the repair work of a crash.</summary>
    public int CheckpointAfterIngests { get; set; } = 200;

    /// <summary>Live "observations" updates of one twin are at most this frequent; ingests in between are summed into the next one.</summary>
    public TimeSpan LiveUpdateInterval { get; set; } = TimeSpan.FromSeconds(1);
}
