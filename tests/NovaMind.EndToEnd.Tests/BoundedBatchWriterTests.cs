using Microsoft.Extensions.Logging.Abstractions;
using NovaMind.ServiceDefaults;

namespace NovaMind.EndToEnd.Tests;

/// <summary>The queue that takes allowed reads to the audit chain: in order, in batches, never dropping, bounded.</summary>
public sealed class BoundedBatchWriterTests
{
    private static BoundedBatchWriter<int> Writer(Func<int[], CancellationToken, Task> sink, int capacity = 1000, int maxBatch = 98, int waitMs = 5000) =>
        new(sink, capacity, maxBatch, TimeSpan.FromMilliseconds(waitMs), NullLogger.Instance);

    [Fact]
    public async Task Every_item_arrives_once_in_order_in_batches_no_larger_than_allowed()
    {
        var batches = new List<int[]>();
        await using var writer = Writer((batch, _) => { lock (batches) batches.Add(batch); return Task.Delay(1); }, maxBatch: 7);
        for (var i = 0; i < 500; i++) await writer.EnqueueAsync(i);
        Assert.True(await writer.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(0, 500), batches.SelectMany(b => b));
        Assert.All(batches, b => Assert.InRange(b.Length, 1, 7));
        Assert.Equal(500, writer.Delivered);
    }

    [Fact]
    public async Task A_sink_that_fails_for_a_while_loses_nothing_and_duplicates_nothing()
    {
        var stored = new List<int>();
        var failures = 0;
        await using var writer = Writer((batch, _) =>
        {
            if (failures++ < 3) throw new InvalidOperationException("storage unreachable"); // e.g. the silo died mid-write
            stored.AddRange(batch);
            return Task.CompletedTask;
        });
        for (var i = 0; i < 50; i++) await writer.EnqueueAsync(i);
        Assert.True(await writer.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(0, 50), stored);
        Assert.True(failures > 3);
    }

    [Fact]
    public async Task When_the_sink_stalls_the_queue_fills_and_then_refuses_instead_of_growing()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stored = new List<int>();
        var next = 5;
        await using var writer = Writer(async (batch, _) => { stalled.TrySetResult(); await release.Task; stored.AddRange(batch); }, capacity: 10, maxBatch: 5, waitMs: 200);
        try
        {
            for (var i = 0; i < 5; i++) await writer.EnqueueAsync(i);
            await stalled.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the pump holds its first batch in the stalled sink
            while (writer.Pending < 10) await writer.EnqueueAsync(next++); // the queue's 10 places (the pump holds 1 to 5 more)
            await Assert.ThrowsAsync<TimeoutException>(async () => await writer.EnqueueAsync(99));
        }
        finally
        {
            release.TrySetResult();
        }
        Assert.True(await writer.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(0, next), stored); // everything accepted arrived; the refused item was never accepted
        Assert.InRange(next, 11, 15);
    }
}
