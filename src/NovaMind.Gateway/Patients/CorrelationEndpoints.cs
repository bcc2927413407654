using System.Globalization;
using System.Security.Claims;
using NovaMind.Contracts;
using NovaMind.Domain.Access;
using NovaMind.Gateway.Security;

namespace NovaMind.Gateway.Patients;

public static class CorrelationEndpoints
{
    /// <summary>The domain names request parameters in camelCase; the API in snake_case.</summary>
    private static readonly (string Domain, string Api)[] ParameterNames =
        [("lookbackDays", "lookback_days"), ("maxLag", "max_lag"), ("minAbs", "min_abs"), ("maxQ", "max_q"), ("method", "method")];

    public static void MapCorrelationEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/{id}/correlations", Correlations).RequiresPatientAccess(PatientAction.ReadClinical).RequireRateLimiting(EdgeProtection.ModelCallsPolicy)
            .WithSummary("Biometric ↔ symptom lag correlations (Pearson/Spearman, exact p-values, Benjamini–Hochberg q-values) and the attention model's temporal patterns")
            .Produces<CorrelationReportDto>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Correlations(string id, HttpRequest request, IClusterClient cluster, CancellationToken ct)
    {
        var target = Guid.Parse(id); // validated and authorized by PatientAccessFilter
        var q = request.Query;
        if (!TryInt(q, "lookback_days", 90, out var lookback, out var problem) ||
            !TryInt(q, "max_lag", 7, out var maxLag, out problem) ||
            !TryDouble(q, "min_abs", 0, out var minAbs, out problem) ||
            !TryDouble(q, "max_q", 0.05, out var maxQ, out problem))
            return problem!;
        var method = q.TryGetValue("method", out var m) ? m.ToString() : "spearman";

        var result = await cluster.GetGrain<IPatientTwinGrain>(target).GetCorrelations(new CorrelationQuery(lookback, maxLag, method, minAbs, maxQ));
        return result.Status switch
        {
            CorrelationStatus.Ok => Results.Ok(result.Report),
            CorrelationStatus.InvalidQuery => BadParameter(ApiName(result.Parameter ?? "query"), ApiMessage(result.Problem ?? "invalid query")),
            _ => PatientAccessFilter.PatientNotFound(),
        };
    }

    private static bool TryInt(IQueryCollection q, string name, int fallback, out int value, out IResult? problem)
    {
        value = fallback;
        problem = null;
        if (!q.TryGetValue(name, out var text)) return true;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        problem = BadParameter(name, $"{name} must be an integer; got '{Short(text.ToString())}'");
        return false;
    }

    private static bool TryDouble(IQueryCollection q, string name, double fallback, out double value, out IResult? problem)
    {
        value = fallback;
        problem = null;
        if (!q.TryGetValue(name, out var text)) return true;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)) return true;
        problem = BadParameter(name, $"{name} must be a number; got '{Short(text.ToString())}'");
        return false;
    }

    /// <summary>A 400 problem naming the query parameter (its name also in <c>parameter</c>); shared by the query-driven endpoints.</summary>
    internal static IResult BadParameter(string parameter, string detail) =>
        Results.Problem(title: $"Invalid parameter {parameter}", detail: detail, statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    private static string ApiName(string domainName) => ParameterNames.FirstOrDefault(p => p.Domain == domainName).Api ?? domainName;

    private static string ApiMessage(string message)
    {
        foreach (var (domain, apiName) in ParameterNames) message = message.Replace(domain, apiName, StringComparison.Ordinal);
        return message;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
