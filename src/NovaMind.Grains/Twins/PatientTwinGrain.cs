using NovaMind.Grains.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Domain.Privacy;
using Orleans.Streams;

namespace NovaMind.Grains.Twins;

[Orleans.Concurrency.Reentrant] // reads interleave with writes (and with slow model calls); writes are serialised by _writes (ADR 0019)
public sealed partial class PatientTwinGrain(
    [PersistentState("twin", PatientTwinGrain.StorageName)] IPersistentState<PatientTwinState> twin,
    PatientPseudonymizer pseudonyms,
    ObservationHistoryStore history,
    TimeProvider clock,
    IOptions<ForecastCacheOptions> cacheOptions,
    IOptions<TwinHistoryOptions> historyOptions,
    NovaMind.Grains.Insights.WorkerResilience resilience,
    NovaMind.Grains.Monitoring.LiveAccuracyAggregator liveAccuracy,
    ILogger<PatientTwinGrain> logger) : Grain, IPatientTwinGrain
{
    public const string StorageName = "twins";
    public const int MaxHorizon = 28;

    /// <summary>Forecasts by symptom, kept in memory while the data they were made from is unchanged (never persisted).</summary>
    private readonly TwinForecastCache _forecasts = new(cacheOptions.Value.TimeToLive);

    /// <summary>The day chunks this activation wrote last (it is their only writer): a stream of readings rewrites today's chunk without reading it back.</summary>
    private readonly Dictionary<(ObservationType, DateOnly), (DayChunk Chunk, Azure.ETag ETag)> _recentChunks = [];
    private const int RecentChunkLimit = 16;

    private string Pseudonym => pseudonyms.Pseudonym(this.GetPrimaryKey());

    /// <summary>
    /// A genotype validated against an older knowledge base is re-validated when the twin wakes: phenotype changes are
    /// recorded (and shown with every prediction), a genotype that no longer parses is left as stored and reported as
    /// needing review by the worker. Re-validation is derived data, so a failed write only logs; the next activation retries.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (twin.State.Registered && twin.State.PatientId != this.GetPrimaryKey())
        {
            if (twin.State.PatientId != Guid.Empty)
                throw new TwinStateIntegrityException("stored twin state belongs to another patient: the record was copied or swapped between patients");
            twin.State.PatientId = this.GetPrimaryKey(); // written before ids were recorded: bind it now (stored with the next write)
        }
        await RepairHistoryAsync(cancellationToken);
        await MigrateLegacyObservationsAsync();
        await RevalidateGenotypeAsync(cancellationToken);
    }

    private async Task RevalidateGenotypeAsync(CancellationToken cancellationToken)
    {
        var kb = PgxKnowledgeBase.Default;
        if (twin.State.Genotype is null || twin.State.GenotypeKnowledgeBaseVersion == kb.Version) return;
        var check = GenotypeRevalidation.Check(twin.State.Genotype, twin.State.GenotypeKnowledgeBaseVersion, twin.State.GenotypePhenotypes, kb);
        if (check.Status != GenotypeStatus.Ok)
        {
            LogGenotypeNeedsReview(Pseudonym, twin.State.GenotypeKnowledgeBaseVersion ?? "unknown", kb.Version);
            return;
        }
        twin.State.GenotypePhenotypeChanges.AddRange(check.Changes.Select(c => c.ToString()));
        twin.State.GenotypePhenotypes = check.Phenotypes.ToDictionary(StringComparer.Ordinal);
        twin.State.GenotypeKnowledgeBaseVersion = kb.Version;
        LogGenotypeRevalidated(Pseudonym, kb.Version, check.Changes.Count);
        try { await WriteStateAsync(cancellationToken); }
        catch (Exception ex) { LogRevalidationNotStored(ex, Pseudonym); }
    }

    /// <summary>One writer at a time: ingest groups, genotype, medications, registration, re-sealing and erasure.</summary>
    private readonly SemaphoreSlim _writes = new(1, 1);

    private async Task<T> Exclusive<T>(Func<Task<T>> write)
    {
        await _writes.WaitAsync();
        try { return await write(); }
        finally { _writes.Release(); }
    }

    public Task<bool> Reseal() => Exclusive(async () =>
    {
        try
        {
            var written = await SealedStateStore.ResealAsync(twin);
            if (written) Checkpointed();
            return written;
        }
        catch
        {
            Suspect();
            throw;
        }
    });

    public Task<bool> Register() => Exclusive(RegisterCore);

    private async Task<bool> RegisterCore()
    {
        if (twin.State.Registered) return false;
        twin.State.Registered = true;
        twin.State.RegisteredAt = clock.GetUtcNow();
        twin.State.PatientId = this.GetPrimaryKey();
        await WriteOrRevertAsync(() => twin.State.Registered = false);
        LogRegistered(Pseudonym);
        return true;
    }

    public Task<bool> IsRegistered() => Task.FromResult(twin.State.Registered);

    public async Task<IngestResult> AddObservations(ObservationRecord[] observations)
    {
        if (!twin.State.Registered) return new IngestResult(IngestStatus.PatientNotFound, 0, 0, "patient not found");
        var typed = new List<Observation>(observations.Length);
        foreach (var o in observations)
        {
            if (!ObservationType.TryParse(o.Type, out var type))
                return new IngestResult(IngestStatus.Invalid, 0, TotalObservations(), $"unknown observation type '{o.Type}'");
            typed.Add(new Observation(o.Time, type, o.Value));
        }
        if (new ObservationBatchValidator(clock).Check(typed) is { } problem)
            return new IngestResult(IngestStatus.Invalid, 0, TotalObservations(), problem);

        if (RetentionCutoff() is { } cutoff && typed.FirstOrDefault(o => DayChunk.DayOf(o.Time.ToUnixTimeMilliseconds()) < cutoff) is { Type: not null } old)
            return new IngestResult(IngestStatus.Invalid, 0, TotalObservations(),
                $"a reading at {old.Time:O} is older than the {historyOptions.Value.RawRetentionDays}-day retention of raw readings; nothing was stored");
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingIngests.Add((typed, done));
        if (!_flushing)
        {
            // Set before the call: a flush that happens to complete synchronously clears it itself.
            _flushing = true;
            _ = FlushIngestsAsync();
        }
        if (await done.Task is { } tooMany) return new IngestResult(IngestStatus.Invalid, 0, TotalObservations(), tooMany);
        var total = TotalObservations();
        LogIngested(Pseudonym, typed.Count);
        ScoreServedForecasts(typed); // online validation: forecasts whose days are now observed
        await PublishObservationsAsync(typed.Count);
        return new IngestResult(IngestStatus.Accepted, typed.Count, total);
    }

    private readonly List<(List<Observation> Readings, TaskCompletionSource<string?> Done)> _pendingIngests = [];
    private bool _flushing;

    /// <summary>
    /// Group commit: ingests that arrive while a write is in progress are written together (one chunk write and one state
    /// write for all of them), and each caller is answered when that write is durable. A group that breaks the per-day limit
    /// is written request by request, so only the request at fault is refused.
    /// </summary>
    private async Task FlushIngestsAsync()
    {
        try
        {
            await _writes.WaitAsync();
            try
            {
                while (_pendingIngests.Count > 0)
                {
                    var group = _pendingIngests.ToList();
                    _pendingIngests.Clear();
                    try
                    {
                        var problem = await IngestAsync([.. group.SelectMany(g => g.Readings)]);
                        if (problem is null || group.Count == 1)
                        {
                            foreach (var g in group) g.Done.SetResult(problem);
                        }
                        else
                        {
                            foreach (var g in group) g.Done.SetResult(await IngestAsync(g.Readings));
                        }
                        await ApplyRetentionAsync();
                    }
                    catch (Exception ex)
                    {
                        foreach (var g in group) g.Done.TrySetException(ex);
                    }
                }
            }
            finally
            {
                _writes.Release();
            }
        }
        catch (Exception ex)
        {
            foreach (var g in _pendingIngests) g.Done.TrySetException(ex);
            _pendingIngests.Clear();
        }
        finally
        {
            _flushing = false;
        }
    }

    /// <summary>
    /// Writes the day chunks the readings touch (merged: same type and instant replaces) with the ingest's sequence number and
    /// answers when they are durable. The chunks are the write-ahead log of the twin's aggregates: the state itself is written
    /// (a checkpoint) within <see cref="TwinHistoryOptions.CheckpointInterval"/>, after <see cref="TwinHistoryOptions.CheckpointAfterIngests"/>
    /// ingests, or at deactivation; after a crash the next activation applies the chunks written since (<see cref="RepairHistoryAsync"/>).
    /// A failed chunk write refuses further writes on this activation until it has reloaded (ADR 0019).
    /// Returns a problem (nothing written) when a day would hold more than <see cref="DayChunk.MaxReadings"/> readings of a type.
    /// </summary>
    private async Task<string?> IngestAsync(IReadOnlyList<Observation> readings, Action? alsoInState = null, Action? revertAlso = null)
    {
        var id = this.GetPrimaryKey();
        if (_suspect) throw new TwinReloadingException("the twin is reloading after a failed storage write; retry shortly");
        var groups = readings.GroupBy(o => (o.Type, Day: DayChunk.DayOf(o.Time.ToUnixTimeMilliseconds()))).ToList();
        var existingChunks = await ExistingChunksAsync(id, groups.Select(g => g.Key).ToList());
        var updates = new List<(DayChunk Chunk, int PreviousCount)>();
        foreach (var group in groups)
        {
            var existing = existingChunks[group.Key].Chunk;
            var merged = existing.Merge(group.Select(o => (o.Time.ToUnixTimeMilliseconds(), o.Value)));
            if (merged.Count > DayChunk.MaxReadings)
                return $"at most {DayChunk.MaxReadings} readings of {group.Key.Type.Name} per UTC day are kept; {group.Key.Day:yyyy-MM-dd} would have {merged.Count}";
            updates.Add((merged, existing.Count));
        }

        var sequence = twin.State.IngestSequence + 1;
        var etags = await WriteChunksAsync(id, updates, existingChunks, sequence);

        foreach (var (chunk, previousCount) in updates)
        {
            HistoryOf(chunk.Type).Apply(chunk, previousCount);
            _countsAtCheckpoint.TryAdd((chunk.Type, chunk.Day), previousCount);
        }
        foreach (var type in updates.Select(u => u.Chunk.Type).Distinct()) twin.State.History[(byte)type.Code] = StoredTypeHistory.From(HistoryOf(type));
        twin.State.IngestSequence = sequence;
        _ingestsSinceCheckpoint++;
        for (var i = 0; i < updates.Count; i++)
        {
            var key = (updates[i].Chunk.Type, updates[i].Chunk.Day);
            if (etags[i] is not { } etag) { _recentChunks.Remove(key); continue; } // no ETag reported: read it next time
            if (_recentChunks.Count >= RecentChunkLimit) _recentChunks.Clear();
            _recentChunks[key] = (updates[i].Chunk, etag);
        }
        _forecasts.Clear();
        ObservationsChanged();

        if (alsoInState is not null)
        {
            alsoInState();
            try { await WriteStateAsync(); }
            catch
            {
                revertAlso?.Invoke();
                throw;
            }
        }
        else if (_ingestsSinceCheckpoint >= historyOptions.Value.CheckpointAfterIngests || historyOptions.Value.CheckpointInterval <= TimeSpan.Zero)
        {
            await CheckpointAsync(); // acknowledged either way: the chunks are durable and repair derives the rest
        }
        else
        {
            _checkpointTimer ??= this.RegisterGrainTimer(CheckpointTimerAsync, historyOptions.Value.CheckpointInterval, Timeout.InfiniteTimeSpan);
        }
        return null;
    }

    /// <summary>
    /// Writes the merged chunks only if each is still as this activation read or wrote it (ETag; insert-only for a new day).
    /// A conflict whose days still hold exactly what the merge started from was a re-encryption (same readings, new ETag):
    /// written again with the new ETags. Any other conflict means a second activation of this twin wrote (possible briefly
    /// after a silo's death): nothing is overwritten, this activation takes no more writes and the caller gets a 503 to retry
    /// at the next activation, which repairs from storage. Each chunk records the day's count in the last written state, so a
    /// repair from that state is exact however many times the day was rewritten since (ADR 0019).
    /// </summary>
    private async Task<IReadOnlyList<Azure.ETag?>> WriteChunksAsync(Guid id, List<(DayChunk Chunk, int PreviousCount)> updates,
        Dictionary<(ObservationType Type, DateOnly Day), (DayChunk Chunk, Azure.ETag? ETag)> basis, long sequence)
    {
        for (var attempt = 1; ; attempt++)
        {
            var writes = updates.Select(u => (u.Chunk, _countsAtCheckpoint.GetValueOrDefault((u.Chunk.Type, u.Chunk.Day), u.PreviousCount),
                basis[(u.Chunk.Type, u.Chunk.Day)].ETag)).ToList();
            try { return await history.WriteIfUnchangedAsync(id, writes, sequence); }
            catch (ChunkConflictException) when (attempt == 1)
            {
                StoredChunk?[] current;
                try { current = await Task.WhenAll(basis.Keys.Select(k => history.ReadAsync(id, k.Type, k.Day))); }
                catch
                {
                    Suspect();
                    throw;
                }
                var keys = basis.Keys.ToList();
                var unchanged = keys.Select((k, i) => current[i] is { } c ? SameReadings(c.Chunk, basis[k].Chunk) : basis[k].Chunk.Count == 0).All(same => same);
                if (!unchanged)
                {
                    Suspect();
                    LogConflict(Pseudonym);
                    throw new TwinReloadingException("the twin's stored history changed under it (a second activation wrote); retry shortly");
                }
                for (var i = 0; i < keys.Count; i++) basis[keys[i]] = (basis[keys[i]].Chunk, current[i]?.ETag);
            }
            catch (ChunkConflictException)
            {
                Suspect();
                throw new TwinReloadingException("the twin's stored history changed under it; retry shortly");
            }
            catch
            {
                Suspect(); // some chunks may have been written: the next activation applies them from storage
                throw;
            }
        }
    }

    private static bool SameReadings(DayChunk a, DayChunk b) =>
        a.UnixMilliseconds.AsSpan().SequenceEqual(b.UnixMilliseconds) && a.Values.AsSpan().SequenceEqual(b.Values);

    /// <summary>Days rewritten since the state was last written, with their count in that state.</summary>
    private readonly Dictionary<(ObservationType, DateOnly), int> _countsAtCheckpoint = [];
    private int _ingestsSinceCheckpoint;
    private IGrainTimer? _checkpointTimer;

    /// <summary>A write of this activation failed (it may or may not have reached storage): no more writes here; the next activation reloads and repairs.</summary>
    private bool _suspect;

    private void Suspect()
    {
        _suspect = true;
        DeactivateOnIdle();
    }

    private void Checkpointed()
    {
        _countsAtCheckpoint.Clear();
        _ingestsSinceCheckpoint = 0;
        _checkpointTimer?.Dispose();
        _checkpointTimer = null;
    }

    /// <summary>Every state write goes through here; a successful one is also a checkpoint of the history aggregates.</summary>
    private async Task WriteStateAsync(CancellationToken ct = default)
    {
        try { await twin.WriteStateAsync(ct); }
        catch
        {
            Suspect();
            throw;
        }
        Checkpointed();
    }

    /// <summary>Writes the aggregates of ingests acknowledged since the last state write; a failure is logged (their chunks are durable).</summary>
    private async Task<bool> CheckpointAsync()
    {
        if (_ingestsSinceCheckpoint == 0 || _suspect) return false;
        try
        {
            await WriteStateAsync();
            return true;
        }
        catch (Exception ex)
        {
            LogCheckpointFailed(ex, Pseudonym);
            return false;
        }
    }

    private async Task CheckpointTimerAsync()
    {
        _checkpointTimer?.Dispose(); // one shot: the next ingest schedules the next checkpoint
        _checkpointTimer = null;
        await Exclusive(CheckpointAsync);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_ingestsSinceCheckpoint > 0 && !_suspect) await Exclusive(CheckpointAsync);
        await FlushObservationsUpdateAsync();
    }

    private DateOnly? RetentionCutoff() => historyOptions.Value.RawRetentionDays is { } days
        ? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-days)
        : null;

    private DateOnly _retainedThrough = DateOnly.MinValue;

    /// <summary>Deletes raw chunks older than the retention, at most once a day per activation (their aggregates stay in the state).</summary>
    private async Task ApplyRetentionAsync()
    {
        if (RetentionCutoff() is not { } cutoff || cutoff <= _retainedThrough) return;
        if (_countsAtCheckpoint.Keys.Any(k => k.Item2 < cutoff) && !await CheckpointAsync()) return; // those days' aggregates must be stored first
        try
        {
            var deleted = await history.DeleteBeforeAsync(this.GetPrimaryKey(), cutoff);
            _retainedThrough = cutoff;
            foreach (var key in _recentChunks.Keys.Where(k => k.Item2 < cutoff).ToList()) _recentChunks.Remove(key);
            if (deleted > 0) LogRetention(Pseudonym, deleted);
        }
        catch (Exception ex)
        {
            LogRetentionFailed(ex, Pseudonym); // the data is stored; deletion is retried with the next ingest
        }
    }

    /// <summary>
    /// The stored chunks of the days an ingest touches. A day inside the aggregate window without an aggregate has no chunk
    /// (repair has applied every written chunk), so only cached-out days with data, and days older than the window, are read —
    /// eight at a time. A new patient's first upload of months of data therefore reads nothing.
    /// </summary>
    private async Task<Dictionary<(ObservationType Type, DateOnly Day), (DayChunk Chunk, Azure.ETag? ETag)>> ExistingChunksAsync(Guid id, IReadOnlyList<(ObservationType Type, DateOnly Day)> keys)
    {
        var result = new Dictionary<(ObservationType, DateOnly), (DayChunk, Azure.ETag?)>();
        var toRead = new List<(ObservationType Type, DateOnly Day)>();
        foreach (var key in keys)
        {
            if (_recentChunks.TryGetValue(key, out var cached)) result[key] = (cached.Chunk, cached.ETag);
            else if (IsKnownAbsent(key.Type, key.Day)) result[key] = (DayChunk.Empty(key.Type, key.Day), null); // written insert-only
            else toRead.Add(key);
        }
        foreach (var part in toRead.Chunk(8))
        {
            var read = await Task.WhenAll(part.Select(k => history.ReadAsync(id, k.Type, k.Day)));
            for (var i = 0; i < part.Length; i++) result[part[i]] = read[i] is { } stored ? (stored.Chunk, stored.ETag) : (DayChunk.Empty(part[i].Type, part[i].Day), null);
        }
        return result;
    }

    private bool IsKnownAbsent(ObservationType type, DateOnly day)
    {
        var h = HistoryOf(type);
        if (h.Count == 0) return true; // nothing of this type was ever acknowledged or repaired
        var newest = DayChunk.DayOf(h.LastUnixMilliseconds);
        var windowStart = DateOnly.FromDayNumber(Math.Max(newest.DayNumber, day.DayNumber) - TypeHistory.WindowDays + 1);
        return day >= windowStart && h.Day(day) is null;
    }

    /// <summary>Chunks written by an ingest whose state write did not happen (a crash or failure between the two) are applied now; idempotent.</summary>
    private async Task RepairHistoryAsync(CancellationToken ct)
    {
        if (!twin.State.Registered) return;
        var repaired = new List<StoredChunk>();
        await foreach (var stored in history.WrittenAfterAsync(this.GetPrimaryKey(), twin.State.IngestSequence, ct)) repaired.Add(stored);
        if (repaired.Count == 0) return;
        foreach (var stored in repaired) HistoryOf(stored.Chunk.Type).Apply(stored.Chunk, stored.PreviousCount);
        foreach (var type in repaired.Select(r => r.Chunk.Type).Distinct()) twin.State.History[(byte)type.Code] = StoredTypeHistory.From(HistoryOf(type));
        twin.State.IngestSequence = repaired.Max(r => r.Sequence);
        LogRepaired(Pseudonym, repaired.Count);
        // Reads may be answered from the repaired memory (it is what storage holds); writing it is not needed for that. If it
        // fails — e.g. right after a silo's death a second activation briefly exists and wrote first (an ETag conflict) —
        // this activation takes no writes and goes; the next one repairs again (idempotent).
        try { await WriteStateAsync(ct); }
        catch (Exception ex) { LogCheckpointFailed(ex, Pseudonym); }
    }

    /// <summary>A twin stored before the history store kept every reading in its state: they move into chunks once.</summary>
    private async Task MigrateLegacyObservationsAsync()
    {
        if (twin.State.Observations.Count == 0) return;
        var legacy = twin.State.Observations;
        var readings = legacy.Select(o => new Observation(DateTimeOffset.FromUnixTimeMilliseconds(o.UnixMilliseconds), ObservationType.FromCode(o.TypeCode), o.Value)).ToList();
        await IngestAsync(readings, alsoInState: () => twin.State.Observations = [], revertAlso: () => twin.State.Observations = legacy);
        LogMigrated(Pseudonym, readings.Count);
    }

    public const int MaxExportPage = 10_000;

    public async Task<ObservationPage> ReadObservations(ObservationExportQuery query)
    {
        if (!twin.State.Registered) return new ObservationPage(false, [], null);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, MaxExportPage);
        var (afterCode, afterMs) = ExportCursor.Parse(query.Cursor);
        var fromMs = query.From.ToUnixTimeMilliseconds();
        var toMs = query.To.ToUnixTimeMilliseconds();
        ObservationType? only = query.Type is null ? null : ObservationType.TryParse(query.Type, out var t) ? t : throw new ArgumentException($"unknown observation type '{query.Type}'");
        var page = new List<ObservationRecord>(Math.Min(query.Limit, 1024));
        foreach (var h in Histories().Where(h => (only is null || h.Type == only) && h.Type.Code >= afterCode))
        {
            var startMs = h.Type.Code == afterCode ? Math.Max(fromMs, afterMs + 1) : fromMs;
            if (startMs > toMs || h.LastUnixMilliseconds < startMs || h.FirstUnixMilliseconds > toMs) continue;
            await foreach (var stored in history.QueryAsync(this.GetPrimaryKey(), h.Type, DayChunk.DayOf(Math.Max(startMs, h.FirstUnixMilliseconds)), DayChunk.DayOf(Math.Min(toMs, h.LastUnixMilliseconds))))
            {
                var chunk = stored.Chunk;
                for (var i = 0; i < chunk.Count; i++)
                {
                    var ms = chunk.UnixMilliseconds[i];
                    if (ms < startMs || ms > toMs) continue;
                    if (page.Count == query.Limit)
                        return new ObservationPage(true, [.. page], ExportCursor.Format(page[^1]));
                    page.Add(new ObservationRecord(DateTimeOffset.FromUnixTimeMilliseconds(ms), h.Type.Name, chunk.Values[i]));
                }
            }
        }
        return new ObservationPage(true, [.. page], null);
    }

    public Task<int> Erase() => Exclusive(EraseCore);

    private async Task<int> EraseCore()
    {
        if (!twin.RecordExists && !twin.State.Registered) return 0;
        var chunks = await history.DeletePatientAsync(this.GetPrimaryKey());
        await twin.ClearStateAsync();
        twin.State = new PatientTwinState();
        Checkpointed();
        _histories.Clear();
        _recentChunks.Clear();
        _forecasts.Clear();
        ObservationsChanged();
        MedicationsChanged();
        GenotypeChanged();
        LogErased(Pseudonym, chunks);
        DeactivateOnIdle();
        return chunks;
    }

    private readonly Dictionary<byte, TypeHistory> _histories = [];

    private TypeHistory HistoryOf(ObservationType type)
    {
        var code = (byte)type.Code;
        if (!_histories.TryGetValue(code, out var h))
            _histories[code] = h = twin.State.History.TryGetValue(code, out var stored) ? stored.ToDomain(type) : TypeHistory.Empty(type);
        return h;
    }

    private IEnumerable<TypeHistory> Histories() =>
        twin.State.History.Keys.Order().Select(code => HistoryOf(ObservationType.FromCode(code))).Where(h => h.Count > 0);

    private int TotalObservations() => (int)Math.Min(int.MaxValue, twin.State.History.Values.Sum(h => h.Count));

    public Task<PatientSummaryDto?> GetSummary()
    {
        if (!twin.State.Registered) return Task.FromResult<PatientSummaryDto?>(null);
        var summary = PatientSummary.From(Histories());
        return Task.FromResult<PatientSummaryDto?>(new PatientSummaryDto(
            this.GetPrimaryKey(), twin.State.RegisteredAt, summary.TotalObservations, summary.First, summary.Last,
            [.. summary.ByType.Select(t => new ObservationTypeSummaryDto(t.Type, t.Count, t.First, t.Last, t.LatestValue, t.RecentWeekMean, t.PreviousWeekMean))],
            AccuracySummary()));
    }

    public async Task<ForecastResult> GetForecast(string symptom, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(horizon, MaxHorizon);
        var now = clock.GetUtcNow();
        if (!twin.State.Registered)
            return new ForecastResult(ForecastStatus.PatientNotFound, symptom, horizon, null, now, [], "patient not found");
        if (!ObservationType.TryParse(symptom, out var type) || !ForecastHistory.Symptoms.Contains(type))
            return new ForecastResult(ForecastStatus.UnknownSymptom, symptom, horizon, null, now, [], ForecastHistory.UnknownSymptom(symptom));

        var generation = _forecasts.Generation; // a forecast of data that changes meanwhile is answered but not kept
        var worker = GrainFactory.GetGrain<IForecastWorkerGrain>(0);
        var version = await worker.ModelVersion();
        var cached = _forecasts.Get(type.Name, version, now);
        var fromCache = cached is not null;
        if (cached is null)
        {
            var readiness = ForecastHistory.Evaluate(Observations(), type);
            if (!readiness.Sufficient)
                return new ForecastResult(ForecastStatus.InsufficientHistory, type.Name, horizon, null, now, [], readiness.Problem);
            var medicationStarts = twin.State.Medications.Current.Select(m => m.Start).Concat(twin.State.Medications.History.Select(m => m.Start)).Distinct().ToArray();
            var forecast = await worker.Forecast(type.Name, Columns(), medicationStarts, WorkPriority.Clinician);
            if (forecast.Status != ForecastStatus.Ok)
                return new ForecastResult(forecast.Status, type.Name, horizon, forecast.ModelVersion, now, [], forecast.Problem);
            cached = _forecasts.Put(type.Name, forecast, now, generation);
            LogForecast(Pseudonym, type.Name, forecast.ModelVersion);
        }

        var f = cached.Forecast;
        if (f.Mean.Length < horizon)
            return new ForecastResult(ForecastStatus.HorizonNotServed, type.Name, horizon, f.ModelVersion, now, [],
                $"the served forecast model {f.ModelVersion} forecasts at most {f.Mean.Length} days ahead; asked for {horizon}");
        RecordServed(type.Name, f, horizon);
        var points = new ForecastPoint[horizon];
        for (var k = 0; k < horizon; k++)
            points[k] = new ForecastPoint(f.Origin.AddDays(k + 1), Math.Round(f.Mean[k], 3), Math.Round(f.Lower80[k], 3), Math.Round(f.Upper80[k], 3),
                Math.Round(f.Lower95[k], 3), Math.Round(f.Upper95[k], 3));
        return new ForecastResult(ForecastStatus.Ok, type.Name, horizon, f.ModelVersion, cached.GeneratedAt, points, null, f.Components!.Take(horizon), fromCache, f.ModelDevice);
    }

    public Task<UpdateResult> SetGenotype(Dictionary<string, string> genotype) => Exclusive(() => SetGenotypeCore(genotype));

    private async Task<UpdateResult> SetGenotypeCore(Dictionary<string, string> genotype)
    {
        if (!twin.State.Registered) return UpdateResult.NotFound;
        var parsed = Genotype.Parse(genotype);
        if (!parsed.IsValid) return new UpdateResult(UpdateStatus.Invalid, [.. parsed.Errors.Select(e => $"{e.Gene}: {e.Message}")]);
        var (previous, previousVersion, previousPhenotypes, previousChanges) =
            (twin.State.Genotype, twin.State.GenotypeKnowledgeBaseVersion, twin.State.GenotypePhenotypes, twin.State.GenotypePhenotypeChanges);
        twin.State.Genotype = parsed.Genotype!.ToDictionary().ToDictionary(StringComparer.Ordinal);
        twin.State.GenotypeKnowledgeBaseVersion = parsed.Genotype.KnowledgeBaseVersion;
        twin.State.GenotypePhenotypes = PhenotypeCalculator.Default.Phenotypes(parsed.Genotype).ToDictionary(p => p.Gene, p => p.PhenotypeTerm, StringComparer.Ordinal);
        twin.State.GenotypePhenotypeChanges = [];
        await WriteOrRevertAsync(() =>
        {
            twin.State.Genotype = previous;
            twin.State.GenotypeKnowledgeBaseVersion = previousVersion;
            twin.State.GenotypePhenotypes = previousPhenotypes;
            twin.State.GenotypePhenotypeChanges = previousChanges;
        });
        GenotypeChanged();
        LogPgxUpdated(Pseudonym, "genotype");
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "genotype", 0, TotalObservations(), LastObservationAt(), clock.GetUtcNow()));
        return UpdateResult.Ok;
    }

    public Task<UpdateResult> SetMedications(MedicationPlanDto medications) => Exclusive(() => SetMedicationsCore(medications));

    private async Task<UpdateResult> SetMedicationsCore(MedicationPlanDto medications)
    {
        if (!twin.State.Registered) return UpdateResult.NotFound;
        var validation = medications.Validate(PgxKnowledgeBase.Default.Drugs, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        if (!validation.IsValid) return new UpdateResult(UpdateStatus.Invalid, [.. validation.Errors.Select(e => $"{e.Pointer}: {e.Message}")]);
        var previous = twin.State.Medications;
        twin.State.Medications = validation.Plan!.ToDto();
        await WriteOrRevertAsync(() => twin.State.Medications = previous);
        ScoreServedPgx(); // online validation: estimates served before a treatment that has now ended
        _forecasts.Clear(); // treatment starts are forecast features
        MedicationsChanged();
        LogPgxUpdated(Pseudonym, "medications");
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "medications", 0, TotalObservations(), LastObservationAt(), clock.GetUtcNow()));
        return UpdateResult.Ok;
    }

    public async Task<MedicationPredictionResult> GetMedicationPrediction(string drug)
    {
        if (!twin.State.Registered) return new MedicationPredictionResult(PgxStatus.PatientNotFound, null, []);
        var result = await GrainFactory.GetGrain<IPgxWorkerGrain>(0).Predict(drug, GenotypeOnRecord(), twin.State.Medications, WorkPriority.Clinician);
        if (result.Prediction is { } prediction) RecordServedPgx([prediction]);
        return result;
    }

    private GenotypeOnRecordDto? GenotypeOnRecord() => twin.State.Genotype is null
        ? null
        : new GenotypeOnRecordDto(twin.State.Genotype, twin.State.GenotypeKnowledgeBaseVersion, [.. twin.State.GenotypePhenotypeChanges]);

    public async Task<MedicationRankingResult> RankMedications(string[] candidates)
    {
        if (!twin.State.Registered) return new MedicationRankingResult(PgxStatus.PatientNotFound, [], [], []);
        var catalogue = PgxKnowledgeBase.Default.Drugs;
        var unknown = candidates.Where(c => !catalogue.IsKnown(c)).ToArray();
        if (unknown.Length > 0) return new MedicationRankingResult(PgxStatus.UnknownDrug, [], unknown, [.. catalogue.KnownMedications]);
        var worker = GrainFactory.GetGrain<IPgxWorkerGrain>(0);
        var genotype = GenotypeOnRecord();
        var predictions = (await Task.WhenAll(candidates.Select(DrugCatalogue.Normalize).Distinct()
            .Select(c => worker.Predict(c, genotype, twin.State.Medications, WorkPriority.Clinician)))).Select(p => p.Prediction!).ToList();
        RecordServedPgx(predictions);
        var byDrug = predictions.ToDictionary(p => p.Medication, StringComparer.Ordinal);
        var ranked = MedicationRanking.Rank([.. predictions.Select(p => p.ToRankingCandidate())], twin.State.Medications.ToDomain());
        return new MedicationRankingResult(PgxStatus.Ok,
            [.. ranked.Select(r => new RankedMedicationDto(r.Rank, r.Candidate.Drug, r.Candidate.Category.ToName(), [.. r.Reasons], byDrug[r.Candidate.Drug],
                r.History.Signal.ToString().ToLowerInvariant(), r.Candidate.Efficacy is { UsedForRanking: true }))], [], []);
    }

    public async Task<CorrelationResult> GetCorrelations(CorrelationQuery query)
    {
        if (!twin.State.Registered) return new CorrelationResult(CorrelationStatus.PatientNotFound, null, null, "patient not found");
        var result = await GrainFactory.GetGrain<ICorrelationWorkerGrain>(0).Analyze(Columns(), query, WorkPriority.Clinician);
        LogCorrelations(Pseudonym, query.LookbackDays, query.MaxLag);
        return result;
    }

    private async Task WriteOrRevertAsync(Action revert)
    {
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            revert(); // memory must not run ahead of what is stored
            throw;
        }
    }

    private DateTimeOffset? LastObservationAt() =>
        Histories().Select(h => (DateTimeOffset?)DateTimeOffset.FromUnixTimeMilliseconds(h.LastUnixMilliseconds)).Max();

    /// <summary>
    /// What models and analyses read: one value per type and UTC day, the day's mean, at the day's last reading. Every
    /// consumer works on daily means (DailySeries), so this gives the same inputs as the raw readings at a fraction of the size.
    /// </summary>
    private IEnumerable<Observation> Observations() =>
        Histories().SelectMany(h => h.Days.Select(d => new Observation(DateTimeOffset.FromUnixTimeMilliseconds(d.LastUnixMilliseconds), h.Type, d.Mean)));

    private (long Generation, ObservationColumns Columns)? _columns;

    /// <summary>Built once per data change and shared by every read until the next (a burst of model calls costs the twin one build).</summary>
    private ObservationColumns Columns()
    {
        if (_columns is { } c && c.Generation == _forecasts.Generation) return c.Columns;
        var daily = Observations().OrderBy(o => o.Time).ToList();
        var columns = new ObservationColumns([.. daily.Select(o => o.Time.ToUnixTimeMilliseconds())], [.. daily.Select(o => (byte)o.Type.Code)], [.. daily.Select(o => o.Value)]);
        _columns = (_forecasts.Generation, columns);
        return columns;
    }

    private DateTimeOffset _lastObservationsUpdate = DateTimeOffset.MinValue;
    private int _unpublishedObservations;
    private IGrainTimer? _liveUpdateTimer;

    /// <summary>
    /// At most one "observations" update per <see cref="TwinHistoryOptions.LiveUpdateInterval"/>: the first ingest after a
    /// quiet spell is published at once, later ones are summed into one update at the end of the interval (a wearable
    /// posting every few seconds would otherwise cost a stream message per post). Every update carries the current totals.
    /// </summary>
    private Task PublishObservationsAsync(int accepted)
    {
        _unpublishedObservations += accepted;
        var interval = historyOptions.Value.LiveUpdateInterval;
        var now = clock.GetUtcNow();
        if (now - _lastObservationsUpdate >= interval && _liveUpdateTimer is null)
        {
            _ = FlushObservationsUpdateAsync(); // not awaited: the ingest is answered without waiting for the stream
            return Task.CompletedTask;
        }
        _liveUpdateTimer ??= this.RegisterGrainTimer(async () =>
        {
            _liveUpdateTimer?.Dispose();
            _liveUpdateTimer = null;
            await FlushObservationsUpdateAsync();
        }, new GrainTimerCreationOptions { DueTime = _lastObservationsUpdate + interval - now, Period = Timeout.InfiniteTimeSpan, Interleave = true });
        return Task.CompletedTask;
    }

    private async Task FlushObservationsUpdateAsync()
    {
        if (_unpublishedObservations == 0) return;
        var accepted = _unpublishedObservations;
        _unpublishedObservations = 0;
        _lastObservationsUpdate = clock.GetUtcNow();
        await PublishAsync(new TwinUpdate(this.GetPrimaryKey(), "observations", accepted, TotalObservations(), LastObservationAt(), _lastObservationsUpdate));
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: a day chunk changed in storage under this activation (a second activation wrote); it reloads")]
    private partial void LogConflict(string patient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: its state could not be written now; the ingests' chunks are stored and the next write or activation covers them")]
    private partial void LogCheckpointFailed(Exception ex, string patient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient}: applied {Chunks} history chunks written since its state was last written")]
    private partial void LogRepaired(string patient, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient}: moved {Count} observations from its state into the history store")]
    private partial void LogMigrated(string patient, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient}: deleted {Chunks} raw history chunks past their retention")]
    private partial void LogRetention(string patient, int chunks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: raw history past its retention could not be deleted now")]
    private partial void LogRetentionFailed(Exception ex, string patient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} erased with {Chunks} history chunks")]
    private partial void LogErased(string patient, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} registered")]
    private partial void LogRegistered(string patient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} stored {Count} observations")]
    private partial void LogIngested(string patient, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} forecast {Symptom} with model {ModelVersion}")]
    private partial void LogForecast(string patient, string symptom, string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} analysed correlations over {LookbackDays} days up to lag {MaxLag}")]
    private partial void LogCorrelations(string patient, int lookbackDays, int maxLag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient} updated its {Part}")]
    private partial void LogPgxUpdated(string patient, string part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: stored genotype (validated against knowledge base {From}) does not parse with {To}; it needs review")]
    private partial void LogGenotypeNeedsReview(string patient, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin {Patient}: genotype re-validated against knowledge base {Version}; {Changes} phenotype changes")]
    private partial void LogGenotypeRevalidated(string patient, string version, int changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: genotype re-validation could not be stored; it is retried on the next activation")]
    private partial void LogRevalidationNotStored(Exception ex, string patient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twin {Patient}: live update could not be published")]
    private partial void LogPublishFailed(Exception ex, string patient);
}
