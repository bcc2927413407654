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
}
