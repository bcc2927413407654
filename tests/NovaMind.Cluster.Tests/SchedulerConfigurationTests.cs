using Microsoft.Extensions.Configuration;
using NovaMind.Silo;
using static TorchSharp.torch;

namespace NovaMind.Cluster.Tests;

public sealed class SchedulerConfigurationTests
{
    [Fact]
    public void Cpu_defaults_are_work_conserving_with_small_batches_and_configuration_overrides_them_one_by_one()
    {
        var empty = new ConfigurationBuilder().Build();
        var cpu = NovaMindSiloExtensions.SchedulerOptions(empty, "Forecast", CPU);
        Assert.Equal((32, TimeSpan.Zero), (cpu.MaxBatchSize, cpu.MaxQueueDelay));

        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:Forecast:MaxBatchSize"] = "8",
            ["Inference:Forecast:PreferredBatchSizes:0"] = "4",
        }).Build();
        var options = NovaMindSiloExtensions.SchedulerOptions(configured, "Forecast", CPU);
        Assert.Equal(8, options.MaxBatchSize);
        Assert.Equal([4], options.PreferredBatchSizes);
        Assert.Equal(TimeSpan.Zero, options.MaxQueueDelay); // not configured: the device default stays
        Assert.Equal(32, NovaMindSiloExtensions.SchedulerOptions(configured, "PgxResponse", CPU).MaxBatchSize);
    }
}
