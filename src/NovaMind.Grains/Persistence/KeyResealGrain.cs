using Microsoft.Extensions.Logging;
using NovaMind.Contracts;

namespace NovaMind.Grains.Persistence;

/// <summary>
/// Re-seals every stored record with the active data key, in the background, through the grains that own the records (so a
/// grain's own writes and ETags stay consistent; no row is rewritten behind its grain's back). Reentrant: progress can be
/// read while a run goes on. A run lost with its silo is simply started again: records already sealed with the active key
/// are skipped. The final count says which keys stored records still use; only when none uses a retired key may it be removed.
/// </summary>
[Orleans.Concurrency.Reentrant]
public sealed partial class KeyResealGrain(SealedStateStore store, TwinKeyRing ring, TimeProvider clock, ILogger<KeyResealGrain> logger)
    : Grain, IKeyResealGrain
{
    /// <summary>How many grains re-seal at once: enough to overlap storage round trips, few enough to leave room for patients' requests.</summary>
    public const int Parallelism = 8;

    private ResealReport _report = new(ResealReport.Idle, ring.ActiveKeyId, null, null, 0, 0, 0, new Dictionary<string, int>(), new Dictionary<string, int>());

    public Task<ResealReport> Report() => Task.FromResult(_report);

    public Task<ResealReport> Start()
    {
        if (_report.State == ResealReport.Running) return Task.FromResult(_report);
        _report = _report with
        {
            State = ResealReport.Running, StartedAt = clock.GetUtcNow(), FinishedAt = null, Scanned = 0, Resealed = 0, Failed = 0,
            RecordsByKeyBefore = new Dictionary<string, int>(), RecordsByKeyAfter = new Dictionary<string, int>(), Problem = null,
        };
        DelayDeactivation(TimeSpan.FromHours(12));
        LogStarted(ring.ActiveKeyId);
        _ = RunAsync(); // on this activation's scheduler; the reentrant grain keeps answering Report meanwhile
        return Task.FromResult(_report);
    }

    private async Task RunAsync()
    {
        try
        {
            var before = new Dictionary<string, int>(StringComparer.Ordinal);
            var batch = new List<Func<IGrainFactory, Task<bool>>>(Parallelism);
            await foreach (var record in store.ScanAsync())
            {
                before[record.KeyId] = before.GetValueOrDefault(record.KeyId) + 1;
                _report = _report with { Scanned = _report.Scanned + 1 };
                if (record.KeyId == ring.ActiveKeyId) continue;
                if (record.Reseal is not { } reseal) { _report = _report with { Failed = _report.Failed + 1 }; continue; }
                batch.Add(reseal);
                if (batch.Count == Parallelism)
                {
                    _report = _report with { RecordsByKeyBefore = new Dictionary<string, int>(before) }; // a snapshot per batch, not per record
                    await ResealAsync(batch);
                }
            }
            _report = _report with { RecordsByKeyBefore = before };
            await ResealAsync(batch);

            var after = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var record in store.ScanAsync()) after[record.KeyId] = after.GetValueOrDefault(record.KeyId) + 1;
            var stale = after.Where(k => k.Key != ring.ActiveKeyId).ToList();
            _report = _report with
            {
                State = stale.Count == 0 ? ResealReport.Finished : ResealReport.Incomplete,
                FinishedAt = clock.GetUtcNow(),
                RecordsByKeyAfter = after,
                Problem = stale.Count == 0 ? null
                    : $"{stale.Sum(k => k.Value)} record(s) are still sealed with {string.Join(", ", stale.Select(k => $"'{k.Key}'"))}: a silo may still run with an older key ring (restart every silo with the new ring, then run again), or a record could not be re-sealed (see Failed and the silo log)",
            };
            LogFinished(_report.State, _report.Scanned, _report.Resealed, _report.Failed);
        }
        catch (Exception ex)
        {
            LogRunFailed(ex);
            _report = _report with { State = ResealReport.Incomplete, FinishedAt = clock.GetUtcNow(), Problem = $"the run stopped: {ex.GetType().Name}; start it again (it resumes by skipping re-sealed records)" };
        }
    }

    private async Task ResealAsync(List<Func<IGrainFactory, Task<bool>>> batch)
    {
        var results = await Task.WhenAll(batch.Select(async reseal =>
        {
            // A record its owner rewrote meanwhile counts as done: the owner sealed it with its own active key (checked after the run).
            try { await reseal(GrainFactory); return true; }
            catch (Exception ex) { LogResealFailed(ex.GetType().Name); return false; }
        }));
        batch.Clear();
        _report = _report with { Resealed = _report.Resealed + results.Count(r => r), Failed = _report.Failed + results.Count(r => !r) };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "re-sealing stored records with key {KeyId}")]
    private partial void LogStarted(string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "re-sealing {State}: {Scanned} scanned, {Resealed} re-sealed, {Failed} failed")]
    private partial void LogFinished(string state, int scanned, int resealed, int failed);

    // The grain id is left out: for a twin or care team it is a patient id.
    [LoggerMessage(Level = LogLevel.Warning, Message = "a record could not be re-sealed ({Error})")]
    private partial void LogResealFailed(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "re-sealing run failed")]
    private partial void LogRunFailed(Exception ex);
}
