using NovaMind.Grains.Persistence;
using NovaMind.Contracts;

namespace NovaMind.Grains.Access;

[GenerateSerializer]
public sealed class ClinicianPatientsState
{
    [Id(0)] public List<Guid> Patients { get; set; } = [];
}

/// <summary>The patients one person's care teams cover, in the order they joined (the care-team grain keeps it current).</summary>
public sealed class ClinicianPatientsGrain(
    [PersistentState("patients", CareTeamGrain.StorageName)] IPersistentState<ClinicianPatientsState> list) : Grain, IClinicianPatientsGrain
{
    public Task<bool> Reseal() => SealedStateStore.ResealAsync(list);

    public async Task Add(Guid patientId)
    {
        if (list.State.Patients.Contains(patientId)) return;
        list.State.Patients.Add(patientId);
        try { await list.WriteStateAsync(); }
        catch { list.State.Patients.Remove(patientId); throw; }
    }

    public async Task Remove(Guid patientId)
    {
        var index = list.State.Patients.IndexOf(patientId);
        if (index < 0) return;
        list.State.Patients.RemoveAt(index);
        try { await list.WriteStateAsync(); }
        catch { list.State.Patients.Insert(index, patientId); throw; }
    }

    public Task<PatientPage> List(int offset, int limit) =>
        Task.FromResult(new PatientPage([.. list.State.Patients.Skip(Math.Max(0, offset)).Take(Math.Clamp(limit, 0, 1000))], list.State.Patients.Count));
}
