using System.Collections.Concurrent;
using System.Diagnostics;
using NovaMind.Ml.Inference;

namespace NovaMind.Ml.Tests;

public class InferenceSchedulerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static int Expected(int x) => x * 2 + 1;

    /// <summary>output = 2·input + 1, independent of the rest of the batch; records every batch it ran.</summary>
    private class AffineModel : IBatchModel<int, int>
    {
        private int _inside;
        private int _concurrentCalls;

        public ConcurrentQueue<int[]> Batches { get; } = new();
        public int ConcurrentCalls => Volatile.Read(ref _concurrentCalls);
        public string Version => "affine-1";

        public int[] Predict(IReadOnlyList<int> batch)
        {
            if (Interlocked.Increment(ref _inside) != 1) Interlocked.Increment(ref _concurrentCalls);
            try
            {
                Batches.Enqueue(batch.ToArray());
                BeforeCompute(batch);
                return batch.Select(Expected).ToArray();
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        protected virtual void BeforeCompute(IReadOnlyList<int> batch) { }

        public int[] SeenInputs() => Batches.SelectMany(b => b).ToArray();
    }

    /// <summary>
    /// Like <see cref="AffineModel"/>, but every Predict signals that it started and then blocks until the gate opens;
    /// a negative input makes the whole batch throw.
    /// </summary>
    private sealed class GatedModel : AffineModel
    {
        public ManualResetEventSlim Gate { get; } = new(false);
        public SemaphoreSlim Entered { get; } = new(0);

        protected override void BeforeCompute(IReadOnlyList<int> batch)
        {
            Entered.Release();
            if (!Gate.Wait(Patience)) throw new TimeoutException("test gate was never opened");
            if (batch.FirstOrDefault(x => x < 0) is var poison and < 0) throw new InvalidOperationException($"poison {poison}");
        }

        /// <summary>Opens the gate when disposed: declare after the scheduler so it runs before the scheduler's Dispose.</summary>
        public IDisposable OpenGateOnExit() => new Opener(Gate);

        public async Task WaitUntilPredictStartedAsync() =>
            Assert.True(await Entered.WaitAsync(TimeSpan.FromSeconds(10)), "Predict was not called");

        private sealed class Opener(ManualResetEventSlim gate) : IDisposable
        {
            public void Dispose() => gate.Set();
        }
    }

    private sealed class ShortAnswerModel : IBatchModel<int, int>
    {
        public string Version => "short";
        public int[] Predict(IReadOnlyList<int> batch) => batch.Skip(1).ToArray();
    }

    /// <summary>
    /// Runs a call that should be refused, whether it throws at once or returns a faulted task; bounded in time, so a
    /// request that is wrongly queued instead of refused fails the test rather than hanging it.
    /// </summary>
    private static async Task Refused(Func<Task<int>> call) => await call().WaitAsync(TimeSpan.FromSeconds(5));

    private static InferenceScheduler<int, int> Scheduler(IBatchModel<int, int> model, int maxBatchSize = 64, int delayMs = 5, int capacity = 4096, string name = "test") =>
        new(name, model, new InferenceSchedulerOptions { MaxBatchSize = maxBatchSize, MaxQueueDelay = TimeSpan.FromMilliseconds(delayMs), QueueCapacity = capacity });

    [Fact]
    public async Task ManyConcurrentCallers_EachGetExactlyTheirOwnResult_InBoundedBatches()
    {
        const int requests = 2_000;
        const int maxBatch = 16;
        var model = new AffineModel();
        using var scheduler = Scheduler(model, maxBatch, delayMs: 20);

        var tasks = Enumerable.Range(0, requests).Select(i => Task.Run(() => scheduler.EnqueueAsync(i))).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(Patience);

        for (var i = 0; i < requests; i++) Assert.Equal(Expected(i), results[i]);
        var batches = model.Batches.ToArray();
        Assert.Equal(Enumerable.Range(0, requests), model.SeenInputs().Order()); // each request ran exactly once
        Assert.All(batches, b => Assert.InRange(b.Length, 1, maxBatch));
        Assert.True(batches.Max(b => b.Length) > 1, "no request was ever batched with another");
        Assert.True(batches.Length < requests, $"{batches.Length} batches for {requests} requests");
        Assert.Equal(0, model.ConcurrentCalls);
        Assert.Equal("affine-1", scheduler.ModelVersion);
    }

    [Fact]
    public async Task RequestsThatQueueWhileTheModelIsBusy_AreBatchedInArrivalOrder_UpToMaxBatchSize()
    {
        var model = new GatedModel();
        using var scheduler = Scheduler(model, maxBatchSize: 8, delayMs: 10);
        using var open = model.OpenGateOnExit();

        var first = scheduler.EnqueueAsync(0);
        await model.WaitUntilPredictStartedAsync();
        var queued = Enumerable.Range(1, 20).Select(i => scheduler.EnqueueAsync(i)).ToArray();
        model.Gate.Set();

        Assert.Equal(Expected(0), await first.WaitAsync(Patience));
        var results = await Task.WhenAll(queued).WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(1, 20).Select(Expected), results);
        Assert.Equal(
            new[] { new[] { 0 }, Enumerable.Range(1, 8).ToArray(), Enumerable.Range(9, 8).ToArray(), Enumerable.Range(17, 4).ToArray() },
            model.Batches.ToArray());
    }

    [Fact]
    public async Task ALoneRequest_IsServedWithoutCompany()
    {
        var model = new AffineModel();
        using var scheduler = Scheduler(model, maxBatchSize: 64, delayMs: 50);

        var watch = Stopwatch.StartNew();
        var result = await scheduler.EnqueueAsync(21).WaitAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(43, result);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal(new[] { 21 }, Assert.Single(model.Batches));
    }

    [Fact]
    public async Task AFullBatch_RunsWithoutWaitingForTheQueueDelay()
    {
        var model = new AffineModel();
        using var scheduler = Scheduler(model, maxBatchSize: 4, delayMs: 60_000);

        var tasks = Enumerable.Range(0, 4).Select(i => scheduler.EnqueueAsync(i)).ToArray();

        // With a one-minute delay, only "the batch is full" can complete these in time.
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { 1, 3, 5, 7 }, results);
    }

    [Fact]
    public async Task FullQueue_RefusesWithInferenceOverloadedException_AndRecovers()
    {
        var model = new GatedModel();
        using var scheduler = Scheduler(model, maxBatchSize: 1, capacity: 2, name: "gated");
        using var open = model.OpenGateOnExit();

        var inFlight = scheduler.EnqueueAsync(0);
        await model.WaitUntilPredictStartedAsync();
        var queued1 = scheduler.EnqueueAsync(1);
        var queued2 = scheduler.EnqueueAsync(2);

        var ex = await Assert.ThrowsAsync<InferenceOverloadedException>(() => Refused(() => scheduler.EnqueueAsync(3)));
        Assert.Contains("'gated'", ex.Message);
        Assert.Contains("2 requests", ex.Message);

        model.Gate.Set();
        Assert.Equal(new[] { 1, 3, 5 }, await Task.WhenAll(inFlight, queued1, queued2).WaitAsync(Patience));
        Assert.Equal(9, await scheduler.EnqueueAsync(4).WaitAsync(Patience));
        Assert.Equal(new[] { 0, 1, 2, 4 }, model.SeenInputs());
    }

    [Fact]
    public async Task CancellingAQueuedRequest_CancelsItsTask_AndTheModelNeverSeesIt()
    {
        var model = new GatedModel();
        using var scheduler = Scheduler(model, maxBatchSize: 8);
        using var open = model.OpenGateOnExit();

        var inFlight = scheduler.EnqueueAsync(0);
        await model.WaitUntilPredictStartedAsync();
        using var cts = new CancellationTokenSource();
        var cancelled = scheduler.EnqueueAsync(1, cts.Token);
        var kept = scheduler.EnqueueAsync(2);

        await cts.CancelAsync();
        await Assert.ThrowsAsync<TaskCanceledException>(() => cancelled.WaitAsync(Patience));
        Assert.True(cancelled.IsCanceled);

        model.Gate.Set();
        Assert.Equal(1, await inFlight.WaitAsync(Patience));
        Assert.Equal(5, await kept.WaitAsync(Patience));
        Assert.Equal(new[] { 0, 2 }, model.SeenInputs());
    }

    [Fact]
    public async Task AnAlreadyCancelledToken_IsRefusedImmediately()
    {
        var model = new AffineModel();
        using var scheduler = Scheduler(model);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Refused(() => scheduler.EnqueueAsync(7, new CancellationToken(canceled: true))));

        Assert.Equal(11, await scheduler.EnqueueAsync(5).WaitAsync(Patience));
        Assert.Equal(new[] { 5 }, model.SeenInputs());
    }

    [Fact]
    public async Task AnExceptionInPredict_FailsEveryRequestOfThatBatch_AndLaterRequestsAreServed()
    {
        var model = new GatedModel();
        using var scheduler = Scheduler(model, maxBatchSize: 8);
        using var open = model.OpenGateOnExit();

        var before = scheduler.EnqueueAsync(0);
        await model.WaitUntilPredictStartedAsync();
        var doomed = new[] { scheduler.EnqueueAsync(1), scheduler.EnqueueAsync(-1), scheduler.EnqueueAsync(2) };
        model.Gate.Set();

        Assert.Equal(1, await before.WaitAsync(Patience));
        foreach (var task in doomed)
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => task.WaitAsync(Patience));
            Assert.Equal("poison -1", ex.Message);
        }
        Assert.Equal(new[] { 1, -1, 2 }, model.Batches.ElementAt(1)); // they really were one batch

        Assert.Equal(7, await scheduler.EnqueueAsync(3).WaitAsync(Patience));
        Assert.Equal(new[] { 11, 13 }, await Task.WhenAll(scheduler.EnqueueAsync(5), scheduler.EnqueueAsync(6)).WaitAsync(Patience));
    }

    [Fact]
    public async Task AModelReturningTheWrongNumberOfOutputs_FailsTheBatch()
    {
        using var scheduler = Scheduler(new ShortAnswerModel(), name: "short");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.EnqueueAsync(1).WaitAsync(Patience));
        Assert.Equal("model 'short' returned 0 outputs for 1 inputs", ex.Message);
    }

    [Fact]
    public async Task DisposingAnIdleScheduler_ReturnsPromptly_AndLaterRequestsAreRefused()
    {
        var model = new AffineModel();
        var scheduler = Scheduler(model);
        Assert.Equal(3, await scheduler.EnqueueAsync(1).WaitAsync(Patience));

        await Task.Run(scheduler.Dispose).WaitAsync(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Refused(() => scheduler.EnqueueAsync(2)));
        scheduler.Dispose(); // idempotent
        Assert.Equal(new[] { 1 }, model.SeenInputs());
    }

    [Fact]
    public async Task DisposingWithQueuedRequests_DoesNotHang_AndLeavesNoRequestPending()
    {
        var model = new GatedModel();
        var scheduler = Scheduler(model, maxBatchSize: 2);

        var inFlight = scheduler.EnqueueAsync(0);
        await model.WaitUntilPredictStartedAsync();
        var queued = Enumerable.Range(1, 5).Select(i => scheduler.EnqueueAsync(i)).ToArray();

        var dispose = Task.Run(scheduler.Dispose);
        model.Gate.Set(); // the in-flight forward pass finishes; Dispose waits for it, never for a stuck queue
        await dispose.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, await inFlight.WaitAsync(Patience));
        for (var i = 0; i < queued.Length; i++)
        {
            // Disposal either still serves a queued request or fails it with ObjectDisposedException; it never strands it.
            var task = queued[i];
            Assert.True(task.IsCompleted, $"request {i + 1} is still pending after Dispose returned");
            try
            {
                Assert.Equal(Expected(i + 1), await task);
            }
            catch (ObjectDisposedException)
            {
            }
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Refused(() => scheduler.EnqueueAsync(9)));
        Assert.DoesNotContain(9, model.SeenInputs());
    }

    [Fact]
    public void InvalidOptions_AreRejected()
    {
        var model = new AffineModel();
        Assert.Throws<ArgumentOutOfRangeException>(() => Scheduler(model, maxBatchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scheduler(model, capacity: 0));
    }
}
