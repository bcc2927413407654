using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using NovaMind.Ml.Inference;

namespace NovaMind.Ml.Tests;

/// <summary>Priorities, deadlines, eviction, preferred batch sizes and metrics of the scheduler.</summary>
public sealed class InferenceSchedulerPolicyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>y = 3x − 1; the first batch blocks until <see cref="Release"/>, so tests can fill the queue behind it.</summary>
    private sealed class HeldModel : IBatchModel<int, int>
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private readonly SemaphoreSlim _entered = new(0);
        private int _calls;

        public ConcurrentQueue<int[]> Batches { get; } = new();
        public string Version => "held-1";
        public static int Expected(int x) => 3 * x - 1;

        public int[] Predict(IReadOnlyList<int> batch)
        {
            Batches.Enqueue([.. batch]);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                _entered.Release();
                _gate.Wait(Patience);
            }
            return [.. batch.Select(Expected)];
        }

        public Task WaitUntilHeldAsync() => _entered.WaitAsync(Patience);
        public void Release() => _gate.Set();
        public int[] Seen() => [.. Batches.SelectMany(b => b)];
    }

    private static InferenceScheduler<int, int> Scheduler(IBatchModel<int, int> model, int maxBatch = 1, int capacity = 100, int delayMs = 1, int[]? preferred = null) =>
        new("policy-test", model, new InferenceSchedulerOptions
        {
            MaxBatchSize = maxBatch,
            QueueCapacity = capacity,
            MaxQueueDelay = TimeSpan.FromMilliseconds(delayMs),
            PreferredBatchSizes = preferred ?? [],
        });

    [Fact]
    public async Task Higher_priority_requests_run_first_and_fifo_within_a_priority()
    {
        var model = new HeldModel();
        using var scheduler = Scheduler(model);
        var held = scheduler.EnqueueAsync(0);
        await model.WaitUntilHeldAsync();

        var tasks = new List<Task<int>>
        {
            scheduler.EnqueueAsync(10, new InferenceRequestOptions(InferencePriority.Background)),
            scheduler.EnqueueAsync(11, new InferenceRequestOptions(InferencePriority.Background)),
            scheduler.EnqueueAsync(20, new InferenceRequestOptions(InferencePriority.Clinician)),
            scheduler.EnqueueAsync(30, new InferenceRequestOptions(InferencePriority.Crisis)),
            scheduler.EnqueueAsync(21, new InferenceRequestOptions(InferencePriority.Clinician)),
        };
        model.Release();
        await Task.WhenAll(tasks).WaitAsync(Patience);
        await held;

        Assert.Equal([0, 30, 20, 21, 10, 11], model.Seen());
        Assert.Equal([HeldModel.Expected(10), HeldModel.Expected(11), HeldModel.Expected(20), HeldModel.Expected(30), HeldModel.Expected(21)], tasks.Select(t => t.Result));
    }

    [Fact]
    public async Task A_request_whose_deadline_passes_in_the_queue_fails_promptly_and_is_never_executed()
    {
        var model = new HeldModel();
        using var scheduler = Scheduler(model);
        var held = scheduler.EnqueueAsync(0);
        await model.WaitUntilHeldAsync();

        var doomed = scheduler.EnqueueAsync(7, new InferenceRequestOptions(InferencePriority.Crisis, TimeSpan.FromMilliseconds(50)));
        var patient = scheduler.EnqueueAsync(8, new InferenceRequestOptions(InferencePriority.Clinician, TimeSpan.FromSeconds(30)));

        // Fails while the model is still busy: the caller is not kept waiting for the queue to move.
        var ex = await Assert.ThrowsAsync<InferenceDeadlineExceededException>(() => doomed.WaitAsync(Patience));
        Assert.Contains("50 ms deadline", ex.Message);
        Assert.False(held.IsCompleted);

        model.Release();
        Assert.Equal(HeldModel.Expected(8), await patient.WaitAsync(Patience));
        Assert.DoesNotContain(7, model.Seen());
        Assert.Throws<InferenceDeadlineExceededException>(() => { _ = scheduler.EnqueueAsync(9, new InferenceRequestOptions(InferencePriority.Crisis, TimeSpan.Zero)); });
    }

    [Fact]
    public async Task A_full_queue_evicts_the_newest_lower_priority_request_and_refuses_equal_priority()
    {
        var model = new HeldModel();
        using var scheduler = Scheduler(model, capacity: 3);
        var held = scheduler.EnqueueAsync(0);
        await model.WaitUntilHeldAsync();

        var bg1 = scheduler.EnqueueAsync(1, new InferenceRequestOptions(InferencePriority.Background));
        var bg2 = scheduler.EnqueueAsync(2, new InferenceRequestOptions(InferencePriority.Background));
        var clinician = scheduler.EnqueueAsync(3, new InferenceRequestOptions(InferencePriority.Clinician));
        Assert.Equal(3, scheduler.QueueDepth);

        var crisis = scheduler.EnqueueAsync(4, new InferenceRequestOptions(InferencePriority.Crisis));
        var evicted = await Assert.ThrowsAsync<InferenceOverloadedException>(() => bg2.WaitAsync(Patience));
        Assert.Contains("evicted by a Crisis request", evicted.Message);
        Assert.Throws<InferenceOverloadedException>(() => { _ = scheduler.EnqueueAsync(5, new InferenceRequestOptions(InferencePriority.Background)); });

        model.Release();
        Assert.Equal([HeldModel.Expected(4), HeldModel.Expected(3), HeldModel.Expected(1)],
            await Task.WhenAll(crisis, clinician, bg1).WaitAsync(Patience));
        await held;
        Assert.DoesNotContain(2, model.Seen());
    }

    [Fact]
    public async Task Preferred_batch_sizes_are_taken_as_soon_as_they_are_available()
    {
        var model = new HeldModel();
        using var scheduler = Scheduler(model, maxBatch: 16, delayMs: 200, preferred: [4, 8]);
        var held = scheduler.EnqueueAsync(0);
        await model.WaitUntilHeldAsync();
        var queued = Enumerable.Range(1, 10).Select(i => scheduler.EnqueueAsync(i)).ToArray();

        model.Release();
        await Task.WhenAll(queued).WaitAsync(Patience);
        await held;

        // 10 waiting: 8 (the largest preferred size) at once; the other 2 after the delay, as no preferred size fits.
        Assert.Equal([1, 8, 2], model.Batches.Select(b => b.Length));
    }

    [Fact]
    public async Task A_flood_of_mixed_priority_and_deadline_requests_gets_exactly_its_own_results()
    {
        var model = new SlowAffineModel();
        using var scheduler = Scheduler(model, maxBatch: 32, capacity: 100_000, delayMs: 2);
        var random = new Random(42);
        var requests = Enumerable.Range(0, 6000).Select(i => (Input: i, Priority: (InferencePriority)random.Next(3),
            Deadline: random.Next(4) == 0 ? TimeSpan.FromMilliseconds(random.Next(1, 5)) : (TimeSpan?)null)).ToArray();

        var tasks = requests.Select(r => Task.Run(() => scheduler.EnqueueAsync(r.Input, new InferenceRequestOptions(r.Priority, r.Deadline)))).ToArray();
        var outcomes = await Task.WhenAll(tasks.Select(async t =>
        {
            try { return (Value: (int?)await t, Expired: false); }
            catch (InferenceDeadlineExceededException) { return (Value: null, Expired: true); }
        })).WaitAsync(TimeSpan.FromSeconds(60));

        var seen = model.Seen().ToHashSet();
        for (var i = 0; i < requests.Length; i++)
        {
            if (outcomes[i].Expired)
            {
                Assert.NotNull(requests[i].Deadline); // only requests with a deadline may expire…
                Assert.DoesNotContain(requests[i].Input, seen); // …and an expired one never ran
            }
            else
            {
                Assert.Equal(2 * requests[i].Input + 5, outcomes[i].Value);
            }
        }
        Assert.Equal(seen.Count, model.Seen().Length); // nothing ran twice
        Assert.Contains(outcomes, o => o.Expired);
        Assert.Contains(model.Batches, b => b.Length > 1);
    }

    private sealed class SlowAffineModel : IBatchModel<int, int>
    {
        public ConcurrentQueue<int[]> Batches { get; } = new();
        public string Version => "slow-affine";

        public int[] Predict(IReadOnlyList<int> batch)
        {
            Batches.Enqueue([.. batch]);
            Thread.SpinWait(20_000); // a forward pass takes time, so deadlines can pass while queued
            return [.. batch.Select(x => 2 * x + 5)];
        }

        public int[] Seen() => [.. Batches.SelectMany(b => b)];
    }

    [Fact]
    public async Task Queue_depth_batch_sizes_waits_and_expirations_are_published_as_metrics()
    {
        var measurements = new ConcurrentBag<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InferenceScheduler<int, int>.MeterName) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var t in tags)
                if (t is { Key: "model", Value: "metrics-test" }) measurements.Add((instrument.Name, value));
        }
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var model = new HeldModel();
        using var scheduler = new InferenceScheduler<int, int>("metrics-test", model, new InferenceSchedulerOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromMilliseconds(1) });
        var held = scheduler.EnqueueAsync(0);
        await model.WaitUntilHeldAsync();
        var queued = Enumerable.Range(1, 3).Select(i => scheduler.EnqueueAsync(i)).ToArray();
        var expiring = scheduler.EnqueueAsync(9, new InferenceRequestOptions(InferencePriority.Background, TimeSpan.FromMilliseconds(20)));
        await Assert.ThrowsAsync<InferenceDeadlineExceededException>(() => expiring);
        listener.RecordObservableInstruments();
        model.Release();
        await Task.WhenAll(queued.Append(held)).WaitAsync(Patience);

        Assert.Contains(measurements, m => m is { Instrument: "novamind.inference.queue_depth", Value: 3 });
        Assert.Contains(measurements, m => m is { Instrument: "novamind.inference.expirations", Value: 1 });
        Assert.Contains(measurements, m => m is { Instrument: "novamind.inference.batch_size", Value: 3 });
        Assert.Equal(4, measurements.Count(m => m.Instrument == "novamind.inference.queue_wait"));
        Assert.Equal(2, measurements.Count(m => m.Instrument == "novamind.inference.compute_time"));
    }
}
