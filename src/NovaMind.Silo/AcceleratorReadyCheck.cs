using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NovaMind.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace NovaMind.Silo;

/// <summary>
/// Says in <c>/ready</c> whether model workers have somewhere to run. With <c>Placement:RequireAccelerator</c>, at least
/// one active silo must advertise <c>novamind.accelerator=cuda</c>; when none does the check is <em>degraded</em>, not
/// unhealthy: this silo still serves twins, ingest and reads (so Kubernetes keeps routing to it), and the description names
/// the missing capability for the operator.
/// </summary>
public sealed class AcceleratorReadyCheck(ISiloStatusOracle oracle, ISiloMetadataCache metadata, IOptions<AcceleratorPlacementOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var active = oracle.GetApproximateSiloStatuses(onlyActive: true).Keys.ToArray();
        var accelerated = active.Count(s => metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(AcceleratorMetadata.Key) == AcceleratorMetadata.Cuda);
        var data = new Dictionary<string, object>
        {
            ["require_accelerator"] = options.Value.RequireAccelerator,
            ["active_silos"] = active.Length,
            ["accelerator_silos"] = accelerated,
        };
        return Task.FromResult(
            !options.Value.RequireAccelerator ? HealthCheckResult.Healthy("model workers may run on any silo (Placement:RequireAccelerator=false)", data)
            : accelerated == 0 ? HealthCheckResult.Degraded(AcceleratorSiloPlacementFilterDirector.NoAcceleratorMessage("forecast, correlation and PGx workers"), data: data)
            : HealthCheckResult.Healthy($"{accelerated} accelerator silo(s) active for model workers", data));
    }
}
