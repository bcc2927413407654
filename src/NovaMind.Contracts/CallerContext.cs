namespace NovaMind.Contracts;

/// <summary>
/// Who a client call acts for, carried in the Orleans request context from the gateway (set after its own access check)
/// to the silo, which decides again before a patient's twin answers (defence in depth).
/// </summary>
public static class CallerContext
{
    private const string SubjectKey = "novamind.sub";
    private const string RolesKey = "novamind.roles";

    public static void Set(string subject, IEnumerable<string> roles)
    {
        RequestContext.Set(SubjectKey, subject);
        RequestContext.Set(RolesKey, string.Join(' ', roles));
    }

    public static void Clear()
    {
        RequestContext.Remove(SubjectKey);
        RequestContext.Remove(RolesKey);
    }

    /// <summary>The caller of the current call, or null when the call names none.</summary>
    public static (string Subject, string[] Roles)? Current =>
        RequestContext.Get(SubjectKey) is string subject && subject.Length > 0
            ? (subject, (RequestContext.Get(RolesKey) as string ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            : null;
}

/// <summary>The silo refused a client call on a patient: no caller named, or the caller may not do this to this patient.</summary>
[GenerateSerializer]
public sealed class PatientAccessDeniedException : Exception
{
    public PatientAccessDeniedException(string message, bool forbidden) : base(message) => Forbidden = forbidden;

    /// <summary>True when the caller's role may never do this (403); false when the patient is outside their reach (404).</summary>
    [Id(0)] public bool Forbidden { get; }
}
