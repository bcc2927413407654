using Microsoft.AspNetCore.SignalR;
using NovaMind.Contracts;
using Orleans.Streams;

namespace NovaMind.Gateway.Live;

/// <summary>
/// Bridges the twins' Orleans streams to SignalR groups. This gateway subscribes to a patient's stream while
/// at least one of its connections listens, and drops the subscription when the last one leaves.
/// </summary>
public sealed partial class TwinUpdateRelay(IClusterClient cluster, IHubContext<TwinsHub> hub, ILogger<TwinUpdateRelay> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, Subscription> _subscriptions = [];
    private readonly Dictionary<string, HashSet<Guid>> _connections = [];

    public static string Group(Guid patientId) => $"patient:{patientId:N}";

    public async Task AddListenerAsync(string connectionId, Guid patientId)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_connections.TryGetValue(connectionId, out var patients)) _connections[connectionId] = patients = [];
            if (!patients.Add(patientId)) return;
            if (_subscriptions.TryGetValue(patientId, out var existing)) { existing.Listeners++; return; }
            var handle = await Stream(patientId).SubscribeAsync((update, _) => ForwardAsync(update));
            _subscriptions[patientId] = new Subscription(handle) { Listeners = 1 };
        }
        finally { _gate.Release(); }
    }

    public async Task RemoveListenerAsync(string connectionId, Guid patientId)
    {
        await _gate.WaitAsync();
        try
        {
            if (_connections.TryGetValue(connectionId, out var patients) && patients.Remove(patientId)) await ReleaseAsync(patientId);
        }
        finally { _gate.Release(); }
    }

    public async Task RemoveConnectionAsync(string connectionId)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_connections.Remove(connectionId, out var patients)) return;
            foreach (var p in patients) await ReleaseAsync(p);
        }
        finally { _gate.Release(); }
    }

    private async Task ReleaseAsync(Guid patientId)
    {
        if (!_subscriptions.TryGetValue(patientId, out var s) || --s.Listeners > 0) return;
        _subscriptions.Remove(patientId);
        try { await s.Handle.UnsubscribeAsync(); }
        catch (Exception ex) { LogUnsubscribeFailed(ex); }
    }

    private Task ForwardAsync(TwinUpdate update) =>
        hub.Clients.Group(Group(update.PatientId)).SendAsync(TwinsHub.UpdateMethod, update);

    private IAsyncStream<TwinUpdate> Stream(Guid patientId) =>
        cluster.GetStreamProvider(TwinStreams.ProviderName).GetStream<TwinUpdate>(StreamId.Create(TwinStreams.Namespace, patientId));

    public async ValueTask DisposeAsync()
    {
        // Leave no subscriptions behind in the cluster's pub-sub when this gateway stops.
        foreach (var s in _subscriptions.Values)
        {
            try { await s.Handle.UnsubscribeAsync(); }
            catch (Exception ex) { LogUnsubscribeFailed(ex); }
        }
        _subscriptions.Clear();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not drop a twin stream subscription")]
    private partial void LogUnsubscribeFailed(Exception ex);

    private sealed class Subscription(StreamSubscriptionHandle<TwinUpdate> handle)
    {
        public StreamSubscriptionHandle<TwinUpdate> Handle { get; } = handle;
        public int Listeners { get; set; }
    }
}
