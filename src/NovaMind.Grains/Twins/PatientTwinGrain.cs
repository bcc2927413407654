using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Domain.Privacy;
using Orleans.Streams;

namespace NovaMind.Grains.Twins;

public sealed partial class PatientTwinGrain(
    [PersistentState("twin", PatientTwinGrain.StorageName)] IPersistentState<PatientTwinState> twin,
    PatientPseudonymizer pseudonyms,
    TimeProvider clock,
    ILogger<PatientTwinGrain> logger) : Grain, IPatientTwinGrain
{
    public const string StorageName = "twins";
    public const int MaxHorizon = 28;

    private string Pseudonym => pseudonyms.Pseudonym(this.GetPrimaryKey());

    public async Task<bool> Register()
    {
        if (twin.State.Registered) return false;
        twin.State.Registered = true;
        twin.State.RegisteredAt = clock.GetUtcNow();
        await WriteOrRevertAsync(() => twin.State.Registered = false);
        LogRegistered(Pseudonym);
        return true;
    }

    public async Task<IngestResult> AddObservations(ObservationRecord[] observations)
    {
        if (!twin.State.Registered) return new IngestResult(IngestStatus.PatientNotFound, 0, 0, "patient not found");
        var typed = new List<Observation>(observations.Length);
        foreach (var o in observations)
        {
            if (!ObservationType.TryParse(o.Type, out var type))
                return new IngestResult(IngestStatus.Invalid, 0, twin.State.Observations.Count, $"unknown observation type '{o.Type}'");
            typed.Add(new Observation(o.Time, type, o.Value));
        }
        if (new ObservationBatchValidator(clock).Check(typed) is { } problem)
            return new IngestResult(IngestStatus.Invalid, 0, twin.State.Observations.Count, problem);

        // Same type at the same instant is the same reading: the newer value replaces it (idempotent resends).
        var previous = twin.State.Observations;
        var merged = new Dictionary<(long, byte), double>(previous.Count + typed.Count);
        foreach (var s in previous) merged[(s.UnixMilliseconds, s.TypeCode)] = s.Value;
        foreach (var o in typed) merged[(o.Time.ToUnixTimeMilliseconds(), (byte)o.Type.Code)] = o.Value;
        twin.State.Observations = merged
            .Select(kv => new StoredObservation(kv.Key.Item1, kv.Key.Item2, kv.Value))
            .OrderBy(s => s.UnixMilliseconds).ThenBy(s => s.TypeCode)
            .ToList();
        await WriteOrRevertAsync(() => twin.State.Observations = previous);
        var total = twin.State.Observations.Count;
        LogIngested(Pseudonym, typed.Count);
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "observations", typed.Count, total, LastObservationAt(), clock.GetUtcNow()));
        return new IngestResult(IngestStatus.Accepted, typed.Count, total);
    }

    public Task<PatientSummaryDto?> GetSummary()
    {
        if (!twin.State.Registered) return Task.FromResult<PatientSummaryDto?>(null);
        var summary = PatientSummary.From(Observations());
        return Task.FromResult<PatientSummaryDto?>(new PatientSummaryDto(
            this.GetPrimaryKey(), twin.State.RegisteredAt, summary.TotalObservations, summary.First, summary.Last,
            [.. summary.ByType.Select(t => new ObservationTypeSummaryDto(t.Type, t.Count, t.First, t.Last, t.LatestValue))]));
    }

    public async Task<ForecastResult> GetForecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(horizon, MaxHorizon);
        var symptom = ObservationType.Mood;
        var now = clock.GetUtcNow();
        if (!twin.State.Registered)
            return new ForecastResult(ForecastStatus.PatientNotFound, symptom.Name, horizon, null, now, [], "patient not found");
        if (ForecastWindow.TryBuild(Observations(), symptom, out var observedDays) is not { } window)
            return new ForecastResult(ForecastStatus.InsufficientHistory, symptom.Name, horizon, null, now, [],
                $"a {symptom.Name} forecast needs at least {ForecastWindow.MinimumObservedDays} observed days within the last {ForecastWindow.Length} days up to the latest {symptom.Name} reading; this patient has {observedDays}");

        var output = await GrainFactory.GetGrain<IForecastWorkerGrain>(0).Forecast(window.Scaled, window.Mask, WorkPriority.Clinician);
        var range = symptom.Max - symptom.Min;
        var points = new ForecastPoint[horizon];
        for (var k = 0; k < horizon; k++)
        {
            var mean = Math.Clamp(ForecastWindow.Unscale(symptom, output.Mean[k]), symptom.Min, symptom.Max);
            var sigma = output.Sigma[k] * range;
            var (l80, u80) = PredictionInterval.Gaussian(mean, sigma, PredictionInterval.Z80, symptom.Min, symptom.Max);
            var (l95, u95) = PredictionInterval.Gaussian(mean, sigma, PredictionInterval.Z95, symptom.Min, symptom.Max);
            points[k] = new ForecastPoint(window.LastDay.AddDays(k + 1), Math.Round(mean, 3), Math.Round(l80, 3), Math.Round(u80, 3), Math.Round(l95, 3), Math.Round(u95, 3));
        }
        LogForecast(Pseudonym, horizon, output.ModelVersion);
        return new ForecastResult(ForecastStatus.Ok, symptom.Name, horizon, output.ModelVersion, now, points);
    }

    public async Task<UpdateResult> SetGenotype(Dictionary<string, string> genotype)
    {
        if (!twin.State.Registered) return UpdateResult.NotFound;
        var parsed = Genotype.Parse(genotype);
        if (!parsed.IsValid) return new UpdateResult(UpdateStatus.Invalid, [.. parsed.Errors.Select(e => $"{e.Gene}: {e.Message}")]);
        var previous = twin.State.Genotype;
        twin.State.Genotype = parsed.Genotype!.ToDictionary().ToDictionary(StringComparer.Ordinal);
        await WriteOrRevertAsync(() => twin.State.Genotype = previous);
        LogPgxUpdated(Pseudonym, "genotype");
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "genotype", 0, twin.State.Observations.Count, LastObservationAt(), clock.GetUtcNow()));
        return UpdateResult.Ok;
    }

    public async Task<UpdateResult> SetMedications(MedicationPlanDto medications)
    {
        if (!twin.State.Registered) return UpdateResult.NotFound;
        var validation = medications.Validate(PgxKnowledgeBase.Default.Drugs, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        if (!validation.IsValid) return new UpdateResult(UpdateStatus.Invalid, [.. validation.Errors.Select(e => $"{e.Pointer}: {e.Message}")]);
        var previous = twin.State.Medications;
        twin.State.Medications = validation.Plan!.ToDto();
        await WriteOrRevertAsync(() => twin.State.Medications = previous);
        LogPgxUpdated(Pseudonym, "medications");
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "medications", 0, twin.State.Observations.Count, LastObservationAt(), clock.GetUtcNow()));
        return UpdateResult.Ok;
    }

    public async Task<MedicationPredictionResult> GetMedicationPrediction(string drug)
    {
        if (!twin.State.Registered) return new MedicationPredictionResult(PgxStatus.PatientNotFound, null, []);
        return await GrainFactory.GetGrain<IPgxWorkerGrain>(0).Predict(drug, twin.State.Genotype, twin.State.Medications, WorkPriority.Clinician);
    }

    public async Task<MedicationRankingResult> RankMedications(string[] candidates)
    {
        if (!twin.State.Registered) return new MedicationRankingResult(PgxStatus.PatientNotFound, [], [], []);
        var catalogue = PgxKnowledgeBase.Default.Drugs;
        var unknown = candidates.Where(c => !catalogue.IsSupported(c)).ToArray();
        if (unknown.Length > 0) return new MedicationRankingResult(PgxStatus.UnknownDrug, [], unknown, [.. catalogue.SupportedDrugs]);
        var worker = GrainFactory.GetGrain<IPgxWorkerGrain>(0);
        var predictions = await Task.WhenAll(candidates.Select(DrugCatalogue.Normalize).Distinct()
            .Select(c => worker.Predict(c, twin.State.Genotype, twin.State.Medications, WorkPriority.Clinician)));
        return new MedicationRankingResult(PgxStatus.Ok, MedicationRanking.Rank([.. predictions.Select(p => p.Prediction!)]), [], []);
    }

    public async Task<CorrelationResult> GetCorrelations(CorrelationQuery query)
    {
        if (!twin.State.Registered) return new CorrelationResult(CorrelationStatus.PatientNotFound, null, null, "patient not found");
        var stored = twin.State.Observations;
        var columns = new ObservationColumns([.. stored.Select(s => s.UnixMilliseconds)], [.. stored.Select(s => s.TypeCode)], [.. stored.Select(s => s.Value)]);
        var result = await GrainFactory.GetGrain<ICorrelationWorkerGrain>(0).Analyze(columns, query, WorkPriority.Clinician);
        LogCorrelations(Pseudonym, query.LookbackDays, query.MaxLag);
        return result;
    }

    private async Task WriteOrRevertAsync(Action revert)
    {
        try
        {
            await twin.WriteStateAsync();
        }
        catch
        {
            revert(); // memory must not run ahead of what is stored
            throw;
        }
    }

    private DateTimeOffset? LastObservationAt() =>
        twin.State.Observations.Count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(twin.State.Observations[^1].UnixMilliseconds);

    private IEnumerable<Observation> Observations() =>
        twin.State.Observations.Select(s => new Observation(DateTimeOffset.FromUnixTimeMilliseconds(s.UnixMilliseconds), ObservationType.FromCode(s.TypeCode), s.Value));

    /// <summary>Live updates are best effort: the data is already stored, so a failed publish is logged, not thrown.</summary>
    private async Task PublishAsync(TwinUpdate update)
    {
        try
        {
            var stream = this.GetStreamProvider(TwinStreams.ProviderName)
                .GetStream<TwinUpdate>(StreamId.Create(TwinStreams.Namespace, this.GetPrimaryKey()));
            await stream.OnNextAsync(update);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Pseudonym);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} registered")]
    private partial void LogRegistered(string patient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} stored {Count} observations")]
    private partial void LogIngested(string patient, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} forecast {Horizon} days with model {ModelVersion}")]
    private partial void LogForecast(string patient, int horizon, string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} analysed correlations over {LookbackDays} days up to lag {MaxLag}")]
    private partial void LogCorrelations(string patient, int lookbackDays, int maxLag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} updated its {Part}")]
    private partial void LogPgxUpdated(string patient, string part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: live update could not be published")]
    private partial void LogPublishFailed(Exception ex, string patient);
}
