using System.Security.Claims;

namespace NovaMind.Gateway.Security;

/// <summary>
/// Decides whether a caller may see or change one patient's twin. This is the seam for care-team
/// authorization: the current policy admits any authenticated clinician; the care-team policy (only the
/// patient's care team, everything else 404) replaces it without touching the endpoints.
/// </summary>
public interface IPatientAccessPolicy
{
    ValueTask<bool> CanAccessAsync(ClaimsPrincipal user, Guid patientId, CancellationToken cancellationToken);
}

public sealed class ClinicianRolePatientAccessPolicy : IPatientAccessPolicy
{
    public ValueTask<bool> CanAccessAsync(ClaimsPrincipal user, Guid patientId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(user.Identity?.IsAuthenticated == true && user.IsInRole(AuthPolicies.ClinicianRole));
}

public static class AuthPolicies
{
    public const string Clinician = "clinician";
    public const string ClinicianRole = "clinician";
    public const string DefaultIssuer = "novamind-dev";
    public const string DefaultAudience = "novamind-api";
}
