using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using NovaMind.Domain.Access;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Live;

/// <summary>
/// Clinicians' live view: <c>Subscribe(patientId)</c> joins the patient's group; every change stored by the
/// twin (through any gateway) arrives as a <c>twinUpdated</c> message.
/// </summary>
[Authorize(Policy = AuthPolicies.Authenticated)]
public sealed class TwinsHub(TwinUpdateRelay relay) : Hub
{
    public const string Path = "/hubs/twins";
    public const string UpdateMethod = "twinUpdated";

    /// <summary>Only for the patient's care team (or an active break-glass grant): <see cref="PatientHubFilter"/> checks before this runs.</summary>
    [PatientAccess(PatientAction.ReadClinical)]
    public async Task Subscribe(string patientId)
    {
        var id = Guid.Parse(patientId);
        await Groups.AddToGroupAsync(Context.ConnectionId, TwinUpdateRelay.Group(id));
        await relay.AddListenerAsync(Context.ConnectionId, id);
    }

    [PatientAccess(PatientAction.ReadClinical)]
    public async Task Unsubscribe(string patientId)
    {
        var id = Guid.Parse(patientId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, TwinUpdateRelay.Group(id));
        await relay.RemoveListenerAsync(Context.ConnectionId, id);
    }

    public override Task OnDisconnectedAsync(Exception? exception) => relay.RemoveConnectionAsync(Context.ConnectionId);
}
