using Microsoft.AspNetCore.SignalR;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NovaMind.Contracts;
using NovaMind.Gateway;
using NovaMind.Gateway.Admin;
using NovaMind.Gateway.Live;
using NovaMind.Gateway.Patients;
using NovaMind.Gateway.Security;
using NovaMind.ServiceDefaults;
using Orleans.Configuration;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddNovaMindServiceDefaults("novamind-gateway");
var config = builder.Configuration;
if (ProductionGuard.RefusesToStart(builder.Environment, config, "novamind-gateway", checkTokenAuthority: true)) return 2;

var tokenAuthority = config.GetSection("Authentication").Get<TokenAuthorityOptions>() ?? new TokenAuthorityOptions();
foreach (var problem in tokenAuthority.Problems())
{
    Console.Error.WriteLine($"novamind-gateway: {problem}");
    return 2;
}

ClusterTls clusterTls;
try { clusterTls = ClusterTls.Load(config); }
catch (InvalidOperationException ex) { Console.Error.WriteLine($"novamind-gateway: {ex.Message}"); return 2; }

StorageAccount storage;
TwinUpdateStreaming streaming;
try { storage = StorageAccount.FromConfiguration(config); streaming = TwinUpdateStreaming.FromConfiguration(config); }
catch (InvalidOperationException ex) { Console.Error.WriteLine($"novamind-gateway: {ex.Message}"); return 2; }
builder.UseOrleansClient(client =>
{
    clusterTls.ApplyTo(client);
    client.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = config["Orleans:ClusterId"] ?? "novamind-dev";
        o.ServiceId = config["Orleans:ServiceId"] ?? "novamind";
    });
    client.UseAzureStorageClustering(o => o.TableServiceClient = storage.Tables());
    client.AddActivityPropagation();
    // A call whose silo died or stalls fails after this (then 503), instead of holding the request for Orleans' 30 s default.
    client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = config.GetValue("Orleans:ResponseTimeout", TimeSpan.FromSeconds(15)));
    streaming.ApplyTo(client, storage); // the silos' transport for twin updates (Streaming:Provider)
    // The silo may still be starting: keep trying rather than failing the gateway.
    client.UseConnectionRetryFilter(async (_, ct) =>
    {
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return true;
    });
});

var edge = config.GetSection("Edge").Get<EdgeOptions>() ?? new EdgeOptions();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = edge.MaxRequestBodyBytes);
builder.Services.AddEdgeRateLimits(edge);
builder.Services.AddSingleton(edge);

builder.Services.AddNovaMindTokenAuthentication(tokenAuthority, edge.MaxTokenLifetime);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(AuthPolicies.Authenticated, p => p.RequireAuthenticatedUser().RequireClaim("sub"));
builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, CareTeamAuthorizationHandler>();
builder.Services.AddSingleton<PatientAccess>();
builder.Services.AddSingleton<AuditQueue>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditQueue>());
builder.Services.AddSingleton<AuditTrail>();
var pseudonymizer = ServiceDefaultsExtensions.LogPseudonymizer(config);
if (pseudonymizer is null)
{
    Console.Error.WriteLine("novamind-gateway: no pseudonym key configured (Privacy:PseudonymKey as base64, or Privacy:PseudonymKeyFile); audit records name patients only by pseudonym.");
    return 2;
}
builder.Services.AddSingleton(pseudonymizer);

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<InferenceUnavailableHandler>();
builder.Services.AddExceptionHandler<AuditUnavailableHandler>();
builder.Services.AddExceptionHandler<SiloAccessDeniedHandler>();
builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
builder.Services.AddExceptionHandler<BadRequestHandler>();
builder.Services.ConfigureHttpJsonOptions(o => GatewayJson.Configure(o.SerializerOptions));
builder.Services.AddOpenApi();
builder.Services.AddSignalR(o => o.AddFilter<PatientHubFilter>()).AddJsonProtocol(o => GatewayJson.Configure(o.PayloadSerializerOptions));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<TwinUpdateRelay>();
builder.Services.AddHealthChecks()
    .AddCheck<ClusterReadyCheck>("orleans-cluster", tags: [ServiceDefaultsExtensions.ReadyTag])
    .AddCheck<TokenAuthorityReadyCheck>("token-authority", tags: [ServiceDefaultsExtensions.ReadyTag]);

var app = builder.Build();
if (!app.Environment.IsDevelopment()) app.UseHsts(); // HTTPS responses tell browsers to stay on HTTPS (TLS itself ends at the ingress)
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseNoStoreForPatientData();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapNovaMindHealthEndpoints();
app.MapNovaMindMetricsEndpoint(onlyOnMetricsPort: true); // never on the public API port
app.UseClinicianWorkspace();
// The API description is public in Development only; elsewhere it needs a valid token.
var openApi = app.MapOpenApi();
var scalar = app.MapScalarApiReference();
if (!app.Environment.IsDevelopment())
{
    openApi.RequireAuthorization(AuthPolicies.Authenticated);
    scalar.RequireAuthorization(AuthPolicies.Authenticated);
}
app.MapPatientEndpoints();
app.MapAdminEndpoints();
app.MapHub<TwinsHub>(TwinsHub.Path);
app.EnsureEveryRouteHasAnAccessRule(typeof(TwinsHub));
await app.RunAsync();
return 0;

/// <summary>Ready when the cluster answers: at least one active silo.</summary>
internal sealed class ClusterReadyCheck(IClusterClient cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable", ex);
        }
    }
}

/// <summary>The silo refused model work (queue full, deadline passed) or no accelerator silo can take it: a retryable 503, not a 500.</summary>
internal sealed class InferenceUnavailableHandler(IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (title, retryAfter) = exception switch
        {
            InferenceUnavailableException => ("Model capacity exhausted", "2"),
            AcceleratorUnavailableException => ("No accelerator silo is active", "30"),
            _ => (null, null),
        };
        if (title is null) return false;
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = retryAfter;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = 503, Title = title, Detail = exception.Message },
        });
    }
}

/// <summary>
/// The silo refused a call the gateway had allowed (its care-team check is the second one): answered as the gateway's own
/// refusal would be, never with data. This means the two checks disagreed, e.g. a care team changed between them.
/// </summary>
internal sealed class SiloAccessDeniedHandler(IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not PatientAccessDeniedException denied) return false;
        context.Response.StatusCode = denied.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = denied.Forbidden
                ? new() { Status = 403, Title = "Forbidden", Detail = "your role does not allow this" }
                : new() { Status = 404, Title = "Patient not found", Detail = "no patient with this id is visible to you" },
        });
    }
}

/// <summary>
/// The cluster could not answer: the silo holding the grain died or left, a message was rejected, expired or timed out, or
/// storage behind it was unreachable (a connection failure or a 5xx from the storage service). Retryable (the grain
/// reactivates elsewhere once membership has noticed; storage comes back): 503 with Retry-After, never 500.
/// </summary>
internal sealed class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> log) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public static bool IsClusterUnavailable(Exception exception) =>
        exception is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException or TwinReloadingException
        || exception is Orleans.Storage.InconsistentStateException // two activations raced after a silo's death: a retry reaches the surviving one
        || exception is Azure.RequestFailedException { Status: 0 or >= 500 }
        || exception is AggregateException aggregate && aggregate.InnerExceptions.Any(IsClusterUnavailable)
        || exception.InnerException is { } inner && IsClusterUnavailable(inner);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A call the cluster cancelled — a message that expired before its grain could be placed while membership was still
        // settling after a silo's death — is as retryable as a dead silo; one cancelled because the client left needs no answer.
        var cancelledByCluster = exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested;
        if (!IsClusterUnavailable(exception) && !cancelledByCluster) return false;
        log.LogWarning("Cluster unavailable for a request ({Exception}); answered 503", exception.GetType().Name);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = 503, Title = "Temporarily unavailable", Detail = "the cluster could not complete this request now; nothing was changed unless a retry finds it done (writes are idempotent); retry shortly" },
        });
    }
}

/// <summary>The audit trail could not be written: the request fails with a retryable 503 rather than going unrecorded.</summary>
internal sealed class AuditUnavailableHandler(IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AuditUnavailableException) return false;
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = 503, Title = "Audit trail unavailable", Detail = "the access could not be recorded, so it was not served; retry shortly" },
        });
    }
}
