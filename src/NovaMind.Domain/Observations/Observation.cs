namespace NovaMind.Domain.Observations;

/// <summary>One measurement of a patient at a point in time (UTC).</summary>
public readonly record struct Observation(DateTimeOffset Time, ObservationType Type, double Value);
