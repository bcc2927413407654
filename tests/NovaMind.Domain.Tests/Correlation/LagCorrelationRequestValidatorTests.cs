using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests.Correlation;

public class LagCorrelationRequestValidatorTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Null(LagCorrelationRequestValidator.Validate(new LagCorrelationRequest()));
        Assert.Null(LagCorrelationRequestValidator.Validate(new LagCorrelationRequest
        {
            LookbackDays = 730, MaxLag = 30, MinAbs = 1, MaxQ = 0, MinOverlap = 4, Method = CorrelationMethod.Both,
            Biometrics = [ObservationType.SleepHours, ObservationType.Steps], Symptoms = [ObservationType.Mood],
        }));
        Assert.Null(LagCorrelationRequestValidator.Validate(new LagCorrelationRequest { LookbackDays = 7, MaxLag = 0, MinOverlap = 7 }));
    }

    public static TheoryData<LagCorrelationRequest, string> Invalid => new()
    {
        { new() { LookbackDays = 6 }, "lookbackDays" },
        { new() { LookbackDays = 731 }, "lookbackDays" },
        { new() { MaxLag = -1 }, "maxLag" },
        { new() { MaxLag = 31 }, "maxLag" },
        { new() { LookbackDays = 10, MaxLag = 10 }, "maxLag" },
        { new() { Method = (CorrelationMethod)7 }, "method" },
        { new() { MinAbs = -0.1 }, "minAbs" },
        { new() { MinAbs = 1.1 }, "minAbs" },
        { new() { MinAbs = double.NaN }, "minAbs" },
        { new() { MaxQ = 1.5 }, "maxQ" },
        { new() { MaxQ = double.NaN }, "maxQ" },
        { new() { MinOverlap = 3 }, "minOverlap" },
        { new() { LookbackDays = 20, MinOverlap = 21 }, "minOverlap" },
        { new() { End = DateOnly.MinValue.AddDays(3) }, "end" },
        { new() { Biometrics = [] }, "biometrics" },
        { new() { Biometrics = [ObservationType.Mood] }, "biometrics" },
        { new() { Biometrics = [ObservationType.Steps, ObservationType.Steps] }, "biometrics" },
        { new() { Symptoms = [ObservationType.HrvMs] }, "symptoms" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_NamesTheParameter(LagCorrelationRequest request, string parameter)
    {
        var error = LagCorrelationRequestValidator.Validate(request);
        Assert.NotNull(error);
        Assert.Equal(parameter, error.Parameter);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void NullRequest_IsAnError()
    {
        Assert.Equal("request", LagCorrelationRequestValidator.Validate(null)?.Parameter);
    }
}
