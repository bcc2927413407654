using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using NovaMind.Contracts;
using NovaMind.Domain.Access;

namespace NovaMind.Gateway.Security;

public static class AuthPolicies
{
    /// <summary>Any authenticated caller with a subject; what they may do is decided per patient by <see cref="AccessRules"/>.</summary>
    public const string Authenticated = "authenticated";
}

/// <summary>What a route or hub method does to a patient; every /api route and hub method must carry one (checked at start-up).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PatientAccessAttribute(PatientAction action) : Attribute
{
    public PatientAction Action { get; } = action;
}

public sealed record PatientAccessRequirement(PatientAction Action) : IAuthorizationRequirement;

/// <summary>The resource being authorized: one patient (null for create/list) and its care team as loaded for this request.</summary>
public sealed class PatientResource(Guid? patientId, CareTeam team)
{
    public Guid? PatientId { get; } = patientId;
    public CareTeam Team { get; } = team;
    /// <summary>Set by the handler: why access was or was not granted.</summary>
    public AccessOutcome Outcome { get; set; } = AccessOutcome.Forbidden;
}

/// <summary>ASP.NET Core resource-based authorization over <see cref="AccessRules"/> (care teams, break-glass, roles).</summary>
public sealed class CareTeamAuthorizationHandler(TimeProvider clock) : AuthorizationHandler<PatientAccessRequirement, PatientResource>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PatientAccessRequirement requirement, PatientResource resource)
    {
        resource.Outcome = AccessRules.Decide(PatientAccess.CallerOf(context.User), requirement.Action, resource.Team, clock.GetUtcNow());
        if (resource.Outcome is AccessOutcome.Allowed or AccessOutcome.AllowedByBreakGlass) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>The result of one access check, as the audit trail records it.</summary>
public sealed record PatientAccessCheck(PatientAction Action, Guid? PatientId, AccessOutcome Outcome)
{
    public bool Allowed => Outcome is AccessOutcome.Allowed or AccessOutcome.AllowedByBreakGlass;
}

/// <summary>The one authorization seam: loads the patient's care team and asks the authorization service.</summary>
public sealed class PatientAccess(IAuthorizationService authorization, IClusterClient cluster)
{
    public static Caller CallerOf(ClaimsPrincipal user) =>
        Caller.From(user.FindFirstValue("sub") ?? "", user.FindAll("role").Select(c => c.Value));

    public async Task<PatientAccessCheck> CheckAsync(ClaimsPrincipal user, Guid? patientId, PatientAction action)
    {
        var team = await CareTeamAccess.LoadAsync(cluster, CallerOf(user), action, patientId);
        var resource = new PatientResource(patientId, team);
        await authorization.AuthorizeAsync(user, resource, new PatientAccessRequirement(action));
        return new PatientAccessCheck(action, patientId, resource.Outcome);
    }
}

/// <summary>
/// The endpoint filter on every /api route: parses the patient id, checks access (404 outside the care team, as for an
/// unknown patient; 403 when the caller's role may never do this) and records every outcome in the audit trail.
/// </summary>
public sealed class PatientAccessFilter(PatientAccess access, AuditTrail audit, EdgeOptions edge) : IEndpointFilter
{
    /// <summary>
    /// The request's deadline (<see cref="EdgeOptions.RequestDeadline"/>): nothing is written to the response until the
    /// filter returns, so answering 503 at the deadline is safe while the work finishes (and audits its own outcome) behind it.
    /// </summary>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var work = CheckAndInvokeAsync(context, next).AsTask();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(context.HttpContext.RequestAborted);
        var first = await Task.WhenAny(work, Task.Delay(edge.RequestDeadline, timer.Token));
        await timer.CancelAsync();
        if (first == work) return await work;
        _ = work.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        context.HttpContext.Response.Headers.RetryAfter = "2";
        return Results.Problem(title: "Temporarily unavailable", statusCode: StatusCodes.Status503ServiceUnavailable,
            detail: $"the request did not complete within its {edge.RequestDeadline.TotalSeconds:0} s deadline; nothing was changed unless a retry finds it done (writes are idempotent); retry shortly");
    }

    private async ValueTask<object?> CheckAndInvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var user = http.User; // kept: past the deadline this still runs after the response has gone
        var endpoint = http.GetEndpoint();
        var action = endpoint?.Metadata.GetMetadata<PatientAccessAttribute>()?.Action
                     ?? throw new InvalidOperationException($"{http.Request.Path}: route has no patient access rule");
        Guid? patientId = null;
        if (http.Request.RouteValues.TryGetValue("id", out var raw))
        {
            if (!Guid.TryParse(raw as string, out var id))
                return Results.Problem(title: "Invalid patient id", detail: $"patient id '{Truncate(raw as string ?? "")}' is not a GUID", statusCode: StatusCodes.Status400BadRequest);
            patientId = id;
        }
        var check = await access.CheckAsync(user, patientId, action);
        var resource = $"{http.Request.Method} {(endpoint as RouteEndpoint)?.RoutePattern.RawText}"
                       + (http.Request.RouteValues.TryGetValue("sub", out var member) ? $" member={member}" : "");
        var source = http.Connection.RemoteIpAddress?.ToString();
        if (!check.Allowed)
        {
            await audit.RecordAsync(user, check, resource, AuditTrail.OutcomeOf(check.Outcome), source);
            return check.Outcome == AccessOutcome.Forbidden
                ? Results.Problem(title: "Forbidden", detail: "your role does not allow this", statusCode: StatusCodes.Status403Forbidden)
                : PatientNotFound();
        }
        if (AuditTrail.IsChange(action)) await audit.RecordAsync(user, check, resource, "attempt", source);
        object? result;
        var caller = PatientAccess.CallerOf(user);
        CallerContext.Set(caller.Subject, user.FindAll("role").Select(c => c.Value)); // the silo decides again (defence in depth)
        try
        {
            result = await next(context);
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(user, check, resource, $"error {ex.GetType().Name}", source, attemptRecorded: AuditTrail.IsChange(action));
            throw;
        }
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        await audit.RecordAsync(user, check, resource, status.ToString(System.Globalization.CultureInfo.InvariantCulture), source, attemptRecorded: AuditTrail.IsChange(action));
        return result;
    }

    public static IResult PatientNotFound() =>
        Results.Problem(title: "Patient not found", detail: "no patient with this id is visible to you", statusCode: StatusCodes.Status404NotFound);

    private static string Truncate(string value) => value.Length > 40 ? value[..40] : value;
}

/// <summary>The same check for hub methods that take a patient id as their first argument (Subscribe, Unsubscribe).</summary>
public sealed class PatientHubFilter(PatientAccess access, AuditTrail audit) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var action = context.HubMethod.GetCustomAttribute<PatientAccessAttribute>()?.Action
                     ?? throw new HubException($"{context.HubMethodName} has no patient access rule");
        if (context.HubMethodArguments.Count == 0 || !Guid.TryParse(context.HubMethodArguments[0] as string, out var id))
            throw new HubException($"patient id '{context.HubMethodArguments.FirstOrDefault()}' is not a GUID");
        var check = await access.CheckAsync(context.Context.User!, id, action);
        var resource = $"hub {context.HubMethodName}";
        var source = context.Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString();
        await audit.RecordAsync(context.Context.User!, check, resource, AuditTrail.OutcomeOf(check.Outcome), source);
        if (!check.Allowed) throw new HubException(check.Outcome == AccessOutcome.Forbidden ? "forbidden" : "patient not found");
        var user = context.Context.User!;
        CallerContext.Set(PatientAccess.CallerOf(user).Subject, user.FindAll("role").Select(c => c.Value));
        return await next(context);
    }
}

public static class PatientAccessRegistration
{
    /// <summary>Declares what the route does to a patient; the group's filter enforces it.</summary>
    public static RouteHandlerBuilder RequiresPatientAccess(this RouteHandlerBuilder route, PatientAction action) =>
        route.WithMetadata(new PatientAccessAttribute(action));

    /// <summary>Fails start-up when a route under /api or a hub method has no access rule: a new route cannot ship unguarded.</summary>
    public static void EnsureEveryRouteHasAnAccessRule(this WebApplication app, params Type[] hubs)
    {
        var missing = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true && e.Metadata.GetMetadata<PatientAccessAttribute>() is null)
            .Select(e => e.DisplayName ?? e.RoutePattern.RawText!)
            .Concat(hubs.SelectMany(h => h.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                .Where(m => !m.IsSpecialName && m.Name != nameof(Hub.OnDisconnectedAsync) && m.GetCustomAttribute<PatientAccessAttribute>() is null)
                .Select(m => $"{m.DeclaringType!.Name}.{m.Name}"))
            .ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"routes without a patient access rule: {string.Join(", ", missing)}");
    }
}
