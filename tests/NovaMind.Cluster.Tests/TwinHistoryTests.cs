using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;
using NovaMind.Grains.Persistence;
using NovaMind.Grains.Twins;
using Orleans.Storage;

namespace NovaMind.Cluster.Tests;

/// <summary>The twin's raw observations in day chunks, its state small and bounded (ADR 0019).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TwinHistoryTests(NovaMindClusterFixture fixture)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private async Task<(Guid Id, IPatientTwinGrain Twin)> NewTwinAsync()
    {
        var id = Guid.NewGuid();
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        await twin.Register();
        return (id, twin);
    }

    private static ObservationRecord[] MinuteHeartRate(int fromMinute, int count) =>
        [.. Enumerable.Range(fromMinute, count).Select(m => new ObservationRecord(Start.AddMinutes(m), "resting_hr", 55 + (m % 97) * 0.25))];

    private static ObservationType TypeOf(string name) => ObservationType.TryParse(name, out var type) ? type : throw new ArgumentException(name);

    private TableClient Table(string name) => new TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient(name);

    [Fact]
    public async Task Minute_level_data_beyond_the_old_single_entity_limit_is_stored_and_the_state_stays_small()
    {
        var (id, twin) = await NewTwinAsync();
        const int total = 60_000; // the old layout failed near 40,000
        for (var from = 0; from < total; from += 5_000)
            Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(from, 5_000))).Status);

        var summary = (await twin.GetSummary())!;
        Assert.Equal(total, summary.TotalObservations);
        var hr = Assert.Single(summary.Types);
        Assert.Equal((Start, Start.AddMinutes(total - 1)), (hr.First, hr.Last));
        Assert.Equal(55 + ((total - 1) % 97) * 0.25, hr.LatestValue);

        // One chunk per UTC day; the twin's own entity holds aggregates only.
        var chunks = 0;
        await foreach (var _ in Table(ObservationHistoryStore.TableName).QueryAsync<TableEntity>(e => e.PartitionKey == id.ToString("N"))) chunks++;
        Assert.Equal((int)Math.Ceiling(total / 1440.0), chunks);
        var state = await fixture.StoredTwinEntityAsync(id);
        var stateBytes = state.Where(p => p.Value is byte[]).Sum(p => ((byte[])p.Value).Length);
        Assert.True(stateBytes < 8_000, $"twin state is {stateBytes} bytes");
    }

    [Fact]
    public async Task Analyses_of_the_daily_aggregates_equal_those_of_the_raw_readings()
    {
        var (_, twin) = await NewTwinAsync();
        var random = new Random(20261130);
        var raw = new List<ObservationRecord>();
        for (var day = 0; day < 60; day++)
        {
            var sleep = 5 + random.NextDouble() * 4;
            for (var k = 0; k < 3; k++) raw.Add(new(Start.AddDays(day).AddHours(7 + k * 5), "sleep_hours", Math.Round(sleep + random.NextDouble() - 0.5, 3)));
            raw.Add(new(Start.AddDays(day).AddHours(20), "mood", Math.Round(Math.Clamp(2 + 0.6 * sleep + random.NextDouble(), 0, 10), 3)));
            for (var k = 0; k < 24; k++) raw.Add(new(Start.AddDays(day).AddHours(k).AddMinutes(7), "resting_hr", Math.Round(60 + random.NextDouble() * 10, 3)));
        }
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. raw])).Status);
        var fromTwin = (await twin.GetCorrelations(new CorrelationQuery(90, 3, "pearson", 0, 1))).Report!;

        var reference = LagCorrelationEngine.Analyze(
            [.. raw.Select(r => new Observation(r.Time, TypeOf(r.Type), r.Value))],
            new LagCorrelationRequest { LookbackDays = 90, MaxLag = 3, Method = CorrelationMethod.Pearson });
        Assert.Equal(reference.Correlations.Count, fromTwin.Correlations.Length);
        Assert.True(reference.Correlations.Count >= 8);
        foreach (var expected in reference.Correlations)
        {
            var actual = Assert.Single(fromTwin.Correlations, c => c.BiometricType == expected.BiometricType.Name && c.SymptomType == expected.SymptomType.Name && c.LagDays == expected.LagDays);
            Assert.Equal(expected.Coefficient, actual.Coefficient, 9);
            Assert.Equal(expected.N, actual.N);
        }
    }

    [Fact]
    public async Task A_reading_resent_at_the_same_instant_replaces_the_earlier_one()
    {
        var (_, twin) = await NewTwinAsync();
        await twin.AddObservations(MinuteHeartRate(0, 100));
        await twin.AddObservations([new(Start.AddMinutes(99), "resting_hr", 77)]);
        await fixture.Cluster.DeactivateAsync(twin); // read back from storage, not from the activation's memory
        var summary = (await twin.GetSummary())!;
        Assert.Equal((100, 77.0), (summary.TotalObservations, summary.Types[0].LatestValue));
    }

    [Fact]
    public async Task More_readings_of_a_type_on_one_day_than_a_chunk_holds_are_refused_and_nothing_is_stored()
    {
        var (_, twin) = await NewTwinAsync();
        for (var i = 0; i < 5; i++)
            Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. Enumerable.Range(i * 10_000, 10_000)
                .Select(s => new ObservationRecord(Start.AddSeconds(s * 1.7), "resting_hr", 60))])).Status);
        var refused = await twin.AddObservations([.. Enumerable.Range(0, 10).Select(s => new ObservationRecord(Start.AddHours(23).AddSeconds(s), "resting_hr", 60))]);
        Assert.Equal(IngestStatus.Invalid, refused.Status);
        Assert.Contains("at most 50000 readings of resting_hr per UTC day", refused.Error);
        Assert.Equal(50_000, (await twin.GetSummary())!.TotalObservations);
    }

    [Fact]
    public async Task Chunks_written_by_an_ingest_whose_state_write_never_happened_are_applied_on_the_next_activation()
    {
        var (id, twin) = await NewTwinAsync();
        await twin.AddObservations(MinuteHeartRate(0, 10));
        // What a crash between the two writes leaves: the ingest's chunk (sequence 2) is stored, the twin's state still says 1.
        var store = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ObservationHistoryStore>();
        var day = DateOnly.FromDateTime(Start.UtcDateTime);
        var before = (await store.ReadAsync(id, ObservationType.RestingHr, day))!;
        var next = before.Chunk.Merge(Enumerable.Range(10, 5).Select(m => (Start.AddMinutes(m).ToUnixTimeMilliseconds(), 90.0)));
        await store.WriteAsync(id, [(next, before.Chunk.Count)], before.Sequence + 1);
        Assert.Equal(10, (await twin.GetSummary())!.TotalObservations); // this activation does not know

        await fixture.Cluster.DeactivateAsync(twin);
        var repaired = (await twin.GetSummary())!;
        Assert.Equal((15, 90.0), (repaired.TotalObservations, repaired.Types[0].LatestValue));
        await fixture.Cluster.DeactivateAsync(twin); // repairing twice changes nothing
        Assert.Equal(15, (await twin.GetSummary())!.TotalObservations);
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(15, 5))).Status);
        Assert.Equal(20, (await twin.GetSummary())!.TotalObservations);
    }

    [Fact]
    public async Task A_chunk_written_by_a_second_activation_is_never_overwritten_and_the_retry_keeps_both()
    {
        var (id, twin) = await NewTwinAsync();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(0, 10))).Status);
        // What a second activation of this twin (briefly possible after a silo's death) would leave: the day's chunk
        // rewritten with a reading this activation has not seen.
        var store = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ObservationHistoryStore>();
        var day = DateOnly.FromDateTime(Start.UtcDateTime);
        var stored = (await store.ReadAsync(id, ObservationType.RestingHr, day))!;
        var foreign = stored.Chunk.Merge([(Start.AddMinutes(100).ToUnixTimeMilliseconds(), 99.0)]);
        await store.WriteAsync(id, [(foreign, stored.PreviousCount)], stored.Sequence + 1);

        // This activation's next write to that day is refused (503 at the gateway), not written over the other's.
        await Assert.ThrowsAsync<TwinReloadingException>(() => twin.AddObservations(MinuteHeartRate(10, 5)));
        Assert.Equal(11, (await store.ReadAsync(id, ObservationType.RestingHr, day))!.Chunk.Count);

        // The client retries: the next activation repairs from storage and stores the retry; nothing is lost.
        await fixture.Cluster.DeactivateAsync(twin);
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(10, 5))).Status);
        Assert.Equal(16, (await twin.GetSummary())!.TotalObservations);
        Assert.Equal(16, (await store.ReadAsync(id, ObservationType.RestingHr, day))!.Chunk.Count);
    }

    [Fact]
    public async Task A_chunk_re_encrypted_under_the_twin_is_written_again_without_an_error()
    {
        var (id, twin) = await NewTwinAsync();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(0, 10))).Status);
        // Same readings, new ETag: what the key-rotation job leaves.
        var store = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ObservationHistoryStore>();
        var day = DateOnly.FromDateTime(Start.UtcDateTime);
        var stored = (await store.ReadAsync(id, ObservationType.RestingHr, day))!;
        await store.WriteAsync(id, [(stored.Chunk, stored.PreviousCount)], stored.Sequence);
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations(MinuteHeartRate(10, 5))).Status);
        Assert.Equal(15, (await store.ReadAsync(id, ObservationType.RestingHr, day))!.Chunk.Count);
    }

    [Fact]
    public async Task A_twin_stored_in_the_old_single_entity_layout_moves_into_the_history_store_on_activation()
    {
        var id = Guid.NewGuid();
        var old = new PatientTwinState
        {
            Registered = true, RegisteredAt = Start, PatientId = id,
            Observations = [.. Enumerable.Range(0, 3000).Select(m => new StoredObservation(Start.AddMinutes(m * 7).ToUnixTimeMilliseconds(), (byte)ObservationType.Steps.Code, m))],
        };
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(PatientTwinGrain.StorageName);
        await storage.WriteStateAsync("twin", GrainId.Create("patienttwin", id.ToString("N")), new GrainState<PatientTwinState>(old));

        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(id);
        var summary = (await twin.GetSummary())!;
        Assert.Equal((3000, 2999.0), (summary.TotalObservations, summary.Types[0].LatestValue));
        var reread = new GrainState<PatientTwinState>();
        await storage.ReadStateAsync("twin", GrainId.Create("patienttwin", id.ToString("N")), reread);
        Assert.Empty(reread.State!.Observations);
        Assert.Equal(3000, reread.State!.History[(byte)ObservationType.Steps.Code].Count);
    }

    [Fact]
    public async Task Raw_chunks_past_the_retention_are_deleted_after_aggregation_and_older_readings_are_refused()
    {
        var (id, twin) = await NewTwinAsync();
        var cutoff = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-NovaMindClusterFixture.RawRetentionDays);
        var old = cutoff.AddDays(-2);
        var refused = await twin.AddObservations([new(new DateTimeOffset(old.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero), "mood", 5)]);
        Assert.Equal(IngestStatus.Invalid, refused.Status);
        Assert.Contains("older than the 3650-day retention", refused.Error);

        // Chunks stored before the retention was configured: the next ingest deletes them.
        var store = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ObservationHistoryStore>();
        var oldChunk = DayChunk.Empty(ObservationType.Mood, old).Merge([(new DateTimeOffset(old.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero).ToUnixTimeMilliseconds(), 5.0)]);
        var keptChunk = DayChunk.Empty(ObservationType.Mood, cutoff).Merge([(new DateTimeOffset(cutoff.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero).ToUnixTimeMilliseconds(), 6.0)]);
        await store.WriteAsync(id, [(oldChunk, 0), (keptChunk, 0)], sequence: 0);
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([new(Start, "mood", 7)])).Status);

        // Retention runs after the ingest is answered (it is not part of the acknowledged write).
        for (var attempt = 0; attempt < 50 && await store.ReadAsync(id, ObservationType.Mood, old) is not null; attempt++) await Task.Delay(100);
        Assert.Null(await store.ReadAsync(id, ObservationType.Mood, old));
        Assert.NotNull(await store.ReadAsync(id, ObservationType.Mood, cutoff));
        Assert.NotNull(await store.ReadAsync(id, ObservationType.Mood, DateOnly.FromDateTime(Start.UtcDateTime)));
    }

    [Fact]
    public async Task A_chunk_moved_to_another_patient_does_not_open()
    {
        var (a, twinA) = await NewTwinAsync();
        var (b, twinB) = await NewTwinAsync();
        await twinA.AddObservations(MinuteHeartRate(0, 10));
        await twinB.AddObservations(MinuteHeartRate(0, 10));
        var table = Table(ObservationHistoryStore.TableName);
        var rowKey = ObservationHistoryStore.RowKey(ObservationType.RestingHr, DateOnly.FromDateTime(Start.UtcDateTime));
        var fromA = (await table.GetEntityAsync<TableEntity>(a.ToString("N"), rowKey)).Value;
        fromA.PartitionKey = b.ToString("N");
        await table.UpsertEntityAsync(fromA, TableUpdateMode.Replace);
        await fixture.Cluster.DeactivateAsync(twinB);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => twinB.AddObservations(MinuteHeartRate(10, 1))); // reads the day back
        Assert.Contains("stored observation history failed authentication", ex.ToString());
    }
}
