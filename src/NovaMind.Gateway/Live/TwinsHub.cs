using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Live;

/// <summary>
/// Clinicians' live view: <c>Subscribe(patientId)</c> joins the patient's group; every change stored by the
/// twin (through any gateway) arrives as a <c>twinUpdated</c> message.
/// </summary>
[Authorize(Policy = AuthPolicies.Clinician)]
public sealed class TwinsHub(TwinUpdateRelay relay, IPatientAccessPolicy access) : Hub
{
    public const string Path = "/hubs/twins";
    public const string UpdateMethod = "twinUpdated";

    public async Task Subscribe(string patientId)
    {
        if (!Guid.TryParse(patientId, out var id)) throw new HubException($"patient id '{patientId}' is not a GUID");
        if (!await access.CanAccessAsync(Context.User!, id, Context.ConnectionAborted)) throw new HubException("patient not found");
        await Groups.AddToGroupAsync(Context.ConnectionId, TwinUpdateRelay.Group(id));
        await relay.AddListenerAsync(Context.ConnectionId, id);
    }

    public async Task Unsubscribe(string patientId)
    {
        if (!Guid.TryParse(patientId, out var id)) throw new HubException($"patient id '{patientId}' is not a GUID");
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, TwinUpdateRelay.Group(id));
        await relay.RemoveListenerAsync(Context.ConnectionId, id);
    }

    public override Task OnDisconnectedAsync(Exception? exception) => relay.RemoveConnectionAsync(Context.ConnectionId);
}
