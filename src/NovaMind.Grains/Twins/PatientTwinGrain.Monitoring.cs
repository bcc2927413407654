using NovaMind.Contracts;
using NovaMind.Domain.Monitoring;
using NovaMind.Domain.Observations;

namespace NovaMind.Grains.Twins;

/// <summary>
/// Online validation (issue 16): the twin keeps each forecast it serves (compactly, in its encrypted state) and scores it
/// against the days it later observes. Points go to the silo's <see cref="Monitoring.LiveAccuracyAggregator"/> (metrics
/// and per-version accuracy, no patient data) and into the twin's own recent accuracy, shown in its summary. Scoring runs
/// after an ingest is durable, never on the forecast path; the records reach storage with the twin's next checkpoint
/// (a crash in between can lose or, rarely, re-count a day's points — acceptable for monitoring).
/// </summary>
public sealed partial class PatientTwinGrain
{
    private const int RecentAccuracyDays = 28;
    private const int MaxServedForecasts = 128;

    /// <summary>Keeps the first <paramref name="horizon"/> days of a forecast served from <paramref name="f"/> (once per symptom, origin and version).</summary>
    private void RecordServed(string symptom, SymptomForecastDto f, int horizon)
    {
        var list = twin.State.ServedForecasts;
        var h = Math.Min(Math.Min(horizon, f.Mean.Length), ServedForecast.MaxHorizon);
        var existing = list.FindIndex(s => s.Symptom == symptom && s.OriginDayNumber == f.Origin.DayNumber && s.ModelVersion == f.ModelVersion);
        if (existing >= 0 && list[existing].Mean.Length >= h) return;
        static float[] Take(double[] values, int n) => [.. values.Take(n).Select(v => (float)v)];
        var record = new StoredServedForecast
        {
            ModelVersion = f.ModelVersion, Symptom = symptom, OriginDayNumber = f.Origin.DayNumber,
            ServedAtUnixMilliseconds = existing >= 0 ? list[existing].ServedAtUnixMilliseconds : clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Mean = Take(f.Mean, h), Lower80 = Take(f.Lower80, h), Upper80 = Take(f.Upper80, h), Lower95 = Take(f.Lower95, h), Upper95 = Take(f.Upper95, h),
            ScoredHorizons = existing >= 0 ? list[existing].ScoredHorizons : 0,
        };
        if (existing >= 0) list[existing] = record;
        else
        {
            if (list.Count >= MaxServedForecasts) list.RemoveAt(0); // the oldest: bounded state whatever a client does
            list.Add(record);
        }
    }

    /// <summary>
    /// Scores served forecasts whose days are now observed; called after each durable ingest. An ingest without a reading of a
    /// forecast symptom (a heart-rate stream) skips the pass: a day that ended meanwhile is scored with that symptom's next reading.
    /// </summary>
    private void ScoreServedForecasts(IReadOnlyList<Observation> ingested)
    {
        if (twin.State.ServedForecasts.Count == 0) return;
        var symptoms = twin.State.ServedForecasts.Select(s => s.Symptom).ToHashSet(StringComparer.Ordinal);
        if (!ingested.Any(o => symptoms.Contains(o.Type.Name))) return;
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        double? ObservedDailyMean(string symptom, DateOnly day) =>
            ObservationType.TryParse(symptom, out var type) && HistoryOf(type).DayOf(day) is { Count: > 0 } d ? d.Sum / d.Count : null;
        var (kept, points, _) = ForecastScoring.Score([.. twin.State.ServedForecasts.Select(s => s.ToDomain())], ObservedDailyMean, today, now);
        twin.State.ServedForecasts = [.. kept.Select(StoredServedForecast.From)];
        if (points.Count == 0) return;

        // Kept by the day the points were scored (a late upload of old days still counts as recent evidence).
        var recent = twin.State.RecentAccuracy;
        foreach (var p in points)
        {
            var i = recent.FindIndex(r => r.Symptom == p.Symptom && r.DayNumber == today.DayNumber);
            var stats = (i >= 0 ? recent[i].ToDomain() : AccuracyStats.Empty).Add(p);
            var stored = StoredDailyAccuracy.From(p.Symptom, today, stats);
            if (i >= 0) recent[i] = stored; else recent.Add(stored);
        }
        var oldest = today.AddDays(-RecentAccuracyDays).DayNumber;
        recent.RemoveAll(r => r.DayNumber < oldest);
        liveAccuracy.Add(points);
    }

    private const int MaxServedPgxEstimates = 64;

    /// <summary>Keeps the treatment-response estimates of a PGx answer (one per drug and model version; the latest wins).</summary>
    private void RecordServedPgx(IEnumerable<MedicationPredictionDto> predictions)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        IReadOnlyList<ServedPgxEstimate> served = [.. twin.State.ServedPgxEstimates.Select(e => e.ToDomain())];
        foreach (var p in predictions)
            if (p.Efficacy is { } efficacy && p.ModelVersion is { } version)
                served = PgxScoring.Record(served, new ServedPgxEstimate(version, p.Medication, efficacy.Score, today), MaxServedPgxEstimates);
        twin.State.ServedPgxEstimates = [.. served.Select(StoredServedPgxEstimate.From)];
    }

    /// <summary>Scores served estimates by the finished treatments now on record; called after a durable medication update.</summary>
    private void ScoreServedPgx()
    {
        if (twin.State.ServedPgxEstimates.Count == 0) return;
        var (kept, points) = PgxScoring.Score([.. twin.State.ServedPgxEstimates.Select(e => e.ToDomain())], twin.State.Medications.ToDomain().History,
            DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        twin.State.ServedPgxEstimates = [.. kept.Select(StoredServedPgxEstimate.From)];
        liveAccuracy.Add(points);
    }

    /// <summary>This patient's own recent forecast accuracy per symptom (points scored in the last 28 days).</summary>
    private ForecastAccuracySummaryDto[] AccuracySummary()
    {
        var oldest = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-RecentAccuracyDays).DayNumber;
        var symptoms = twin.State.RecentAccuracy.Select(r => r.Symptom).Concat(twin.State.ServedForecasts.Select(s => s.Symptom)).Distinct().Order(StringComparer.Ordinal);
        return [.. symptoms.Select(symptom =>
        {
            var stats = twin.State.RecentAccuracy.Where(r => r.Symptom == symptom && r.DayNumber >= oldest)
                .Aggregate(AccuracyStats.Empty, (s, r) => s.Merge(r.ToDomain()));
            static double? F(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;
            return new ForecastAccuracySummaryDto(symptom, stats.Count, F(stats.Mae), F(stats.Coverage80), F(stats.Coverage95),
                twin.State.ServedForecasts.Count(s => s.Symptom == symptom));
        })];
    }
}

/// <summary><see cref="ServedForecast"/> as the twin stores it.</summary>
[GenerateSerializer]
public sealed class StoredServedForecast
{
    [Id(0)] public string ModelVersion { get; set; } = "";
    [Id(1)] public string Symptom { get; set; } = "";
    [Id(2)] public int OriginDayNumber { get; set; }
    [Id(3)] public long ServedAtUnixMilliseconds { get; set; }
    [Id(4)] public float[] Mean { get; set; } = [];
    [Id(5)] public float[] Lower80 { get; set; } = [];
    [Id(6)] public float[] Upper80 { get; set; } = [];
    [Id(7)] public float[] Lower95 { get; set; } = [];
    [Id(8)] public float[] Upper95 { get; set; } = [];
    [Id(9)] public ulong ScoredHorizons { get; set; }

    public ServedForecast ToDomain() => new(ModelVersion, Symptom, DateOnly.FromDayNumber(OriginDayNumber), DateTimeOffset.FromUnixTimeMilliseconds(ServedAtUnixMilliseconds),
        Mean, Lower80, Upper80, Lower95, Upper95, ScoredHorizons);

    public static StoredServedForecast From(ServedForecast f) => new()
    {
        ModelVersion = f.ModelVersion, Symptom = f.Symptom, OriginDayNumber = f.Origin.DayNumber, ServedAtUnixMilliseconds = f.ServedAt.ToUnixTimeMilliseconds(),
        Mean = f.Mean, Lower80 = f.Lower80, Upper80 = f.Upper80, Lower95 = f.Lower95, Upper95 = f.Upper95, ScoredHorizons = f.ScoredHorizons,
    };
}

/// <summary>The points scored on one UTC day for one symptom (the twin's recent accuracy).</summary>
[GenerateSerializer]
public sealed class StoredDailyAccuracy
{
    [Id(0)] public string Symptom { get; set; } = "";
    [Id(1)] public int DayNumber { get; set; }
    [Id(2)] public long Count { get; set; }
    [Id(3)] public double SumAbsoluteError { get; set; }
    [Id(4)] public double SumSquaredAbsoluteError { get; set; }
    [Id(5)] public long Hits80 { get; set; }
    [Id(6)] public long Hits95 { get; set; }

    public AccuracyStats ToDomain() => new(Count, SumAbsoluteError, SumSquaredAbsoluteError, Hits80, Hits95);

    public static StoredDailyAccuracy From(string symptom, DateOnly day, AccuracyStats s) => new()
    {
        Symptom = symptom, DayNumber = day.DayNumber, Count = s.Count, SumAbsoluteError = s.SumAbsoluteError,
        SumSquaredAbsoluteError = s.SumSquaredAbsoluteError, Hits80 = s.Hits80, Hits95 = s.Hits95,
    };
}

/// <summary><see cref="ServedPgxEstimate"/> as the twin stores it.</summary>
[GenerateSerializer]
public sealed class StoredServedPgxEstimate
{
    [Id(0)] public string ModelVersion { get; set; } = "";
    [Id(1)] public string Drug { get; set; } = "";
    [Id(2)] public double ResponseProbability { get; set; }
    [Id(3)] public int ServedOnDayNumber { get; set; }

    public ServedPgxEstimate ToDomain() => new(ModelVersion, Drug, ResponseProbability, DateOnly.FromDayNumber(ServedOnDayNumber));

    public static StoredServedPgxEstimate From(ServedPgxEstimate e) => new()
    {
        ModelVersion = e.ModelVersion, Drug = e.Drug, ResponseProbability = e.ResponseProbability, ServedOnDayNumber = e.ServedOn.DayNumber,
    };
}
