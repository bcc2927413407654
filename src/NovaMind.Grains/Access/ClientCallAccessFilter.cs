using NovaMind.Contracts;
using NovaMind.Domain.Access;

namespace NovaMind.Grains.Access;

/// <summary>
/// Defence in depth behind the gateway's care-team filter: a call from a cluster client (not from another grain) on a
/// patient's twin, or on the key re-sealing job, must name its caller (<see cref="CallerContext"/>), and the silo decides
/// again with the same <see cref="AccessRules"/> and the patient's care team. A client route that forgot its access check,
/// or checked another patient, gets nothing. Methods without a rule are refused (fail closed).
/// </summary>
public sealed class ClientCallAccessFilter(IGrainFactory grains, TimeProvider clock) : IIncomingGrainCallFilter
{
    /// <summary>What each twin method does, in the access rules' terms; every method of the interface must be here.</summary>
    public static readonly IReadOnlyDictionary<string, PatientAction> TwinMethods = new Dictionary<string, PatientAction>(StringComparer.Ordinal)
    {
        [nameof(IPatientTwinGrain.Register)] = PatientAction.CreatePatient,
        [nameof(IPatientTwinGrain.IsRegistered)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.AddObservations)] = PatientAction.AddObservations,
        [nameof(IPatientTwinGrain.GetSummary)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.GetForecast)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.GetCorrelations)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.GetMedicationPrediction)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.RankMedications)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.GetInsights)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.SetGenotype)] = PatientAction.WriteClinical,
        [nameof(IPatientTwinGrain.SetMedications)] = PatientAction.WriteClinical,
        [nameof(ISealedStateGrain.Reseal)] = PatientAction.ResealPatientData,
        [nameof(IPatientTwinGrain.ReadObservations)] = PatientAction.ReadClinical,
        [nameof(IPatientTwinGrain.Erase)] = PatientAction.ErasePatient,
    };

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (IsFromClient(context))
        {
            switch (context.Grain)
            {
                case IPatientTwinGrain:
                    var action = TwinMethods.TryGetValue(context.InterfaceMethod.Name, out var a) ? a
                        : throw new PatientAccessDeniedException($"{context.InterfaceMethod.Name} has no access rule", forbidden: true);
                    await CheckAsync(action, action == PatientAction.CreatePatient ? null : context.TargetId.GetGuidKey());
                    break;
                case IKeyResealGrain:
                    await CheckAsync(PatientAction.ResealPatientData, null);
                    break;
            }
        }
        await context.Invoke();
    }

    // Cluster clients (gateways, tools) call with a source of type "sys.client"; grains and system targets with their own ids.
    private static bool IsFromClient(IIncomingGrainCallContext context) =>
        context.SourceId is not { } source || source.Type.ToString()?.StartsWith("sys.client", StringComparison.Ordinal) == true;

    private async Task CheckAsync(PatientAction action, Guid? patientId)
    {
        if (CallerContext.Current is not { } current)
            throw new PatientAccessDeniedException("the call names no caller: client calls on patient data must carry the caller the gateway authorised", forbidden: true);
        var caller = Caller.From(current.Subject, current.Roles);
        var outcome = AccessRules.Decide(caller, action, await CareTeamAccess.LoadAsync(grains, caller, action, patientId), clock.GetUtcNow());
        if (outcome is not (AccessOutcome.Allowed or AccessOutcome.AllowedByBreakGlass))
            throw new PatientAccessDeniedException(outcome == AccessOutcome.Forbidden ? "forbidden" : "patient not found", forbidden: outcome == AccessOutcome.Forbidden);
    }
}
