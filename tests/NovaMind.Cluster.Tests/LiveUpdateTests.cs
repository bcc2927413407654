using NovaMind.Contracts;
using Orleans.Streams;

namespace NovaMind.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class LiveUpdateTests(NovaMindClusterFixture fixture)
{
    [Fact]
    public async Task A_client_subscribed_to_a_twin_stream_hears_about_stored_observations()
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        await twin.Register();
        var received = new TaskCompletionSource<TwinUpdate>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = fixture.Client.GetStreamProvider(TwinStreams.ProviderName).GetStream<TwinUpdate>(StreamId.Create(TwinStreams.Namespace, id));
        var handle = await stream.SubscribeAsync((u, _) => { received.TrySetResult(u); return Task.CompletedTask; });
        try
        {
            var at = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
            await twin.AddObservations([new(at, "mood", 5), new(at, "steps", 4200)]);
            var update = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal((id, "observations", 2, 2, (DateTimeOffset?)at), (update.PatientId, update.Kind, update.Accepted, update.TotalObservations, update.LastObservationAt));
        }
        finally
        {
            await handle.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task Rapid_ingests_are_announced_in_at_most_one_update_a_second_that_together_count_every_reading()
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        await twin.Register();
        var updates = new List<TwinUpdate>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = fixture.Client.GetStreamProvider(TwinStreams.ProviderName).GetStream<TwinUpdate>(StreamId.Create(TwinStreams.Namespace, id));
        var handle = await stream.SubscribeAsync((u, _) =>
        {
            lock (updates)
            {
                updates.Add(u);
                if (updates.Sum(x => x.Accepted) == 20) last.TrySetResult();
            }
            return Task.CompletedTask;
        });
        try
        {
            var at = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
            var writing = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 20; i++) await twin.AddObservations([new(at.AddMinutes(i), "resting_hr", 60 + i)]);
            var seconds = writing.Elapsed.TotalSeconds;
            await last.Task.WaitAsync(TimeSpan.FromSeconds(10));
            lock (updates)
            {
                Assert.InRange(updates.Count, 2, 2 + (int)Math.Ceiling(seconds)); // the first at once, the rest summed per second
                Assert.Equal(1, updates[0].Accepted);
                Assert.Equal((20, (DateTimeOffset?)at.AddMinutes(19)), (updates[^1].TotalObservations, updates[^1].LastObservationAt));
                Assert.All(updates.Zip(updates.Skip(1)), p => Assert.True(p.Second.At - p.First.At >= TimeSpan.FromSeconds(0.9), $"updates {p.First.At:O} and {p.Second.At:O}"));
            }
        }
        finally
        {
            await handle.UnsubscribeAsync();
        }
    }
}
