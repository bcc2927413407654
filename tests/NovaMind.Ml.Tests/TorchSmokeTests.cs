using static TorchSharp.torch;
namespace NovaMind.Ml.Tests;
public class TorchSmokeTests
{
    [Fact]
    public void Matmul()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var c = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, c.data<float>().ToArray());
    }
}
