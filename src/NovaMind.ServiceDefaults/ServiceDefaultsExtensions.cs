using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using NovaMind.Domain.Privacy;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Formatting.Compact;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// What every NovaMind process (silo, gateway) shares: structured JSON logs, OpenTelemetry traces and
/// metrics (Orleans' own meters and activity sources included), and the health endpoints.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks with this tag decide readiness; liveness only asks whether the process answers.</summary>
    public const string ReadyTag = "ready";

    public static TBuilder AddNovaMindServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        // Log lines and spans carry pseudonymised ids, never observation values (see docs/architecture.md).
        var scrubber = new IdentifierScrubber(LogPseudonymizer(builder.Configuration));
        builder.Services.AddSerilog((_, lc) => lc
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Azure", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("service", serviceName)
            .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
            .WriteTo.Console(new IdentifierScrubbingFormatter(new RenderedCompactJsonFormatter(), scrubber)));

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t => t
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "NovaMind.*")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsHealthPath(ctx.Request.Path))
                .AddHttpClientInstrumentation()
                .AddProcessor(new IdentifierScrubbingProcessor(scrubber)))
            .WithMetrics(m => m
                .AddMeter("Microsoft.Orleans", "NovaMind.*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy());
        return builder;
    }

    /// <summary><c>/health</c>: the process is alive. <c>/ready</c>: every check tagged <see cref="ReadyTag"/> passes.</summary>
    public static WebApplication MapNovaMindHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Name == "self" });
        app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReadiness });
        return app;
    }

    /// <summary>
    /// <c>/metrics</c> in Prometheus' text format (OpenTelemetry's exporter; metric names carry no patient data, only model,
    /// route and status labels). With <c>Metrics:Port</c> set it answers only on that port, which must be among the
    /// process's URLs (e.g. <c>http://+:8080;http://+:9464</c>), so a public listener never serves it. A process whose
    /// main port is public (the gateway) passes <paramref name="onlyOnMetricsPort"/> and serves no metrics without one.
    /// </summary>
    public static WebApplication MapNovaMindMetricsEndpoint(this WebApplication app, bool onlyOnMetricsPort)
    {
        var port = app.Configuration.GetValue<int?>("Metrics:Port");
        if (port is null && onlyOnMetricsPort) return app;
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (port is not null) endpoint.RequireHost($"*:{port}");
        return app;
    }

    /// <summary>/ready as JSON: the overall status and each check's status, description and details (no PHI is ever put in them).</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, details = e.Value.Data }),
        };
        return context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(body));
    }

    /// <summary>The same keyed pseudonym the twins log (Privacy:PseudonymKey, or the file Privacy:PseudonymKeyFile).</summary>
    public static PatientPseudonymizer? LogPseudonymizer(IConfiguration configuration)
    {
        var key = configuration["Privacy:PseudonymKey"];
        var file = configuration["Privacy:PseudonymKeyFile"];
        if (string.IsNullOrWhiteSpace(key) && !string.IsNullOrWhiteSpace(file) && File.Exists(file)) key = File.ReadAllText(file).Trim();
        return string.IsNullOrWhiteSpace(key) ? null : new PatientPseudonymizer(Convert.FromBase64String(key));
    }

    private static bool IsHealthPath(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/ready") || path.StartsWithSegments("/metrics");
}
