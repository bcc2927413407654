using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace NovaMind.Grains.Placement;

/// <summary>Silo metadata that says what a silo computes on.</summary>
public static class AcceleratorMetadata
{
    public const string Key = "novamind.accelerator";
    public const string Cuda = "cuda";
    public const string Cpu = "cpu";
}

public sealed record AcceleratorPlacementOptions
{
    /// <summary>
    /// True (production): model workers activate only on silos whose metadata says <c>cuda</c>; with no such
    /// silo their calls fail. False (development, CPU-only clusters): they may activate on any silo.
    /// </summary>
    public bool RequireAccelerator { get; init; } = true;
}

/// <summary>Places a (stateless worker) grain only on accelerator silos — see <see cref="AcceleratorPlacementOptions"/>.</summary>
/// <remarks>
/// Orleans' built-in <c>RequiredMatchSiloMetadataPlacementFilter</c> compares candidate silos with the
/// <em>calling</em> silo's metadata, which cannot say "a GPU silo, whatever the caller is". This filter reads
/// each candidate's own metadata from <see cref="ISiloMetadataCache"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorSiloPlacementFilterAttribute() : PlacementFilterAttribute(new AcceleratorSiloPlacementFilterStrategy());

public sealed class AcceleratorSiloPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);

public sealed class AcceleratorSiloPlacementFilterDirector(ISiloMetadataCache metadata, IOptions<AcceleratorPlacementOptions> options) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        if (!options.Value.RequireAccelerator) return silos;
        var accelerated = silos.Where(silo => metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(AcceleratorMetadata.Key) == AcceleratorMetadata.Cuda).ToArray();
        // The fallback rule when no accelerator silo is active: every model call is clinician-facing today, so none moves
        // to CPU silos silently (they would queue behind twins and miss their deadlines); the call fails with a typed,
        // serialisable exception that gateways answer as 503 and insights report as "unavailable".
        return accelerated.Length > 0 ? accelerated : throw new AcceleratorUnavailableException(NoAcceleratorMessage(target.GrainIdentity.Type.ToString()));
    }

    public static string NoAcceleratorMessage(string worker) =>
        $"no accelerator silo ({AcceleratorMetadata.Key}={AcceleratorMetadata.Cuda}) is active, and model workers ({worker}) run only there " +
        "(Placement:RequireAccelerator is true); retry when a GPU silo has joined, or run CPU-only with Placement:RequireAccelerator=false";
}

public static class AcceleratorPlacementExtensions
{
    /// <summary>Registers the filter and publishes this silo's accelerator in its metadata.</summary>
    public static ISiloBuilder AddAcceleratorPlacement(this ISiloBuilder silo, string accelerator, bool requireAccelerator)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [AcceleratorMetadata.Key] = accelerator });
        silo.Services.AddSingleton<IOptions<AcceleratorPlacementOptions>>(Options.Create(new AcceleratorPlacementOptions { RequireAccelerator = requireAccelerator }));
        silo.Services.AddPlacementFilter<AcceleratorSiloPlacementFilterStrategy, AcceleratorSiloPlacementFilterDirector>(ServiceLifetime.Singleton);
        return silo;
    }
}
