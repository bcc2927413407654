using System.Net;
using System.Net.Http.Json;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using NovaMind.Domain.Access;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// Every /api route (read from the gateway's own OpenAPI document) and every hub method (read from the gateway assembly)
/// × every kind of caller. A route or hub method that this table does not know fails the test, so a new one cannot
/// ship without a decided rule; the expected status for each caller comes from the domain's <see cref="AccessRules"/>.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AuthorizationMatrixTests(NovaMindSystemFixture system)
{
    /// <summary>What each route does to a patient. Keep in step with the gateway's RequiresPatientAccess declarations.</summary>
    private static readonly Dictionary<(string Method, string Route), PatientAction> Routes = new()
    {
        [("POST", "/api/patients")] = PatientAction.CreatePatient,
        [("GET", "/api/patients")] = PatientAction.ListPatients,
        [("GET", "/api/patients/{id}")] = PatientAction.ReadClinical,
        [("POST", "/api/patients/{id}/observations")] = PatientAction.AddObservations,
        [("GET", "/api/patients/{id}/forecast")] = PatientAction.ReadClinical,
        [("GET", "/api/patients/{id}/correlations")] = PatientAction.ReadClinical,
        [("GET", "/api/patients/{id}/insights")] = PatientAction.ReadClinical,
        [("PUT", "/api/patients/{id}/genotype")] = PatientAction.WriteClinical,
        [("PUT", "/api/patients/{id}/medications")] = PatientAction.WriteClinical,
        [("GET", "/api/patients/{id}/medications/recommendations")] = PatientAction.ReadClinical,
        [("GET", "/api/patients/{id}/medications/{drug}/prediction")] = PatientAction.ReadClinical,
        [("GET", "/api/patients/{id}/care-team")] = PatientAction.ReadCareTeam,
        [("PUT", "/api/patients/{id}/care-team/{sub}")] = PatientAction.ManageCareTeam,
        [("DELETE", "/api/patients/{id}/care-team/{sub}")] = PatientAction.ManageCareTeam,
        [("POST", "/api/patients/{id}/break-glass")] = PatientAction.BreakGlass,
        [("GET", "/api/patients/{id}/observations")] = PatientAction.ReadClinical,
        [("DELETE", "/api/patients/{id}")] = PatientAction.ErasePatient,
        [("POST", "/api/admin/keys/reencrypt")] = PatientAction.ResealPatientData,
        [("GET", "/api/admin/keys/reencrypt")] = PatientAction.ResealPatientData,
        [("GET", "/api/admin/models")] = PatientAction.ReadModelMonitoring,
    };

    private static readonly Dictionary<string, PatientAction> HubMethods = new()
    {
        ["Subscribe"] = PatientAction.ReadClinical,
        ["Unsubscribe"] = PatientAction.ReadClinical,
    };

    private sealed record Who(string Name, string? Subject, string? Role, bool Expired = false);

    private static readonly Who[] Callers =
    [
        new("care-team member", "dr-e2e", "clinician"),
        new("other clinician", "dr-other", "clinician"),
        new("coordinator", "coord-1", "care_coordinator"),
        new("admin", "ops-1", "admin"),
        new("service", "ingest-1", "service"),
        new("no token", null, null),
        new("expired token", "dr-e2e", "clinician", Expired: true),
    ];

    private static HttpStatusCode? Expected(Who who, PatientAction action)
    {
        if (who.Subject is null || who.Expired) return HttpStatusCode.Unauthorized;
        return AccessRules.Decide(Caller.From(who.Subject, [who.Role!]), action, new CareTeam(true, ["dr-e2e"], []), DateTimeOffset.UtcNow) switch
        {
            AccessOutcome.Forbidden => HttpStatusCode.Forbidden,
            AccessOutcome.NotFound => HttpStatusCode.NotFound,
            _ => null, // allowed: anything but 401/403/404 (a 400 for an empty body is an answer from the endpoint itself)
        };
    }

    private HttpClient ClientFor(Who who)
    {
        if (who.Subject is null) return new HttpClient { BaseAddress = system.GatewayAUrl };
        return system.Client(token: system.Token(who.Subject, who.Role!, expires: who.Expired ? DateTime.UtcNow.AddMinutes(-10) : null));
    }

    [Fact]
    public async Task Every_route_for_every_caller()
    {
        using var member = system.Client();
        var patient = await NovaMindSystemFixture.CreatePatientAsync(member);

        var document = await member.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var routes = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal) || p.Name == "/api/patients")
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (Method: m.Name.ToUpperInvariant(), Route: p.Name)))
            .ToList();
        Assert.Equal(Routes.Keys.Order(), routes.Order()); // a route without a rule here (or a rule for a removed route) fails

        var failures = new List<string>();
        var n = 0;
        foreach (var (method, route) in routes)
        foreach (var who in Callers)
        {
            n++;
            // Erasure gets a patient of its own each time, so the rest of the matrix keeps its patient.
            var target = method == "DELETE" && route == "/api/patients/{id}" ? await NovaMindSystemFixture.CreatePatientAsync(member) : patient;
            var path = route.Replace("{id}", target.ToString(), StringComparison.Ordinal).Replace("{drug}", "sertraline", StringComparison.Ordinal)
                .Replace("{sub}", $"dr-matrix-{n}", StringComparison.Ordinal).TrimStart('/');
            using var http = ClientFor(who);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await http.SendAsync(request);
            var expected = Expected(who, Routes[(method, route)]);
            var ok = expected is { } status
                ? response.StatusCode == status
                : response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) && (int)response.StatusCode < 500;
            if (!ok) failures.Add($"{method} {route} as {who.Name}: {(int)response.StatusCode}, expected {(expected is { } e ? ((int)e).ToString() : "allowed")}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Outside_the_care_team_a_patient_looks_exactly_like_an_unknown_one()
    {
        using var member = system.Client();
        var patient = await NovaMindSystemFixture.CreatePatientAsync(member);
        using var other = system.Client(token: system.Token("dr-other"));
        var hidden = await other.GetAsync($"api/patients/{patient}");
        var unknown = await other.GetAsync($"api/patients/{Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (hidden.StatusCode, unknown.StatusCode));
        Assert.Equal(Strip(await unknown.Content.ReadAsStringAsync()), Strip(await hidden.Content.ReadAsStringAsync()));
    }

    private static string Strip(string problem)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(problem)!.AsObject();
        node.Remove("traceId");
        node.Remove("trace_id");
        return node.ToJsonString();
    }

    [Fact]
    public async Task Every_hub_method_for_every_caller()
    {
        var methods = HubMethodsOfTheGateway();
        Assert.Equal(HubMethods.Keys.Order(), methods.Order());

        using var member = system.Client();
        var patient = await NovaMindSystemFixture.CreatePatientAsync(member);
        var failures = new List<string>();
        foreach (var who in Callers)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(system.GatewayAUrl, "hubs/twins"), o =>
                {
                    if (who.Subject is not null)
                        o.AccessTokenProvider = () => Task.FromResult<string?>(system.Token(who.Subject, who.Role!, expires: who.Expired ? DateTime.UtcNow.AddMinutes(-10) : null));
                })
                .Build();
            await using var _ = hub;
            var connected = true;
            try { await hub.StartAsync(); }
            catch (HttpRequestException ex) when (ex.StatusCode == HttpStatusCode.Unauthorized) { connected = false; }
            foreach (var method in methods)
            {
                var expected = Expected(who, HubMethods[method]);
                string outcome;
                if (!connected) outcome = "401";
                else
                {
                    try { await hub.InvokeAsync(method, patient.ToString()); outcome = "ok"; }
                    catch (HubException ex) { outcome = ex.Message.Contains("forbidden") ? "403" : ex.Message.Contains("patient not found") ? "404" : ex.Message; }
                }
                var want = expected is { } e ? ((int)e).ToString() : "ok";
                if (outcome != want) failures.Add($"{method} as {who.Name}: {outcome}, expected {want}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The public hub methods declared by TwinsHub, read from the gateway assembly's metadata (no loading of ASP.NET Core types).</summary>
    private static List<string> HubMethodsOfTheGateway()
    {
        var dll = Path.Combine(RepoPaths.Root, "src", "NovaMind.Gateway", "bin", ServiceProcess.BuildConfiguration, "net10.0", "NovaMind.Gateway.dll");
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        var hub = md.TypeDefinitions.Select(md.GetTypeDefinition).Single(t => md.GetString(t.Name) == "TwinsHub");
        return [.. hub.GetMethods().Select(md.GetMethodDefinition)
            .Where(m => (m.Attributes & System.Reflection.MethodAttributes.Public) != 0 && (m.Attributes & System.Reflection.MethodAttributes.SpecialName) == 0
                        && (m.Attributes & System.Reflection.MethodAttributes.Static) == 0)
            .Select(m => md.GetString(m.Name))
            .Where(n => n is not ("OnDisconnectedAsync" or ".ctor"))];
    }
}
