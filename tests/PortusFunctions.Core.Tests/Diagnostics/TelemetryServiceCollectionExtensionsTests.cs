using PortusFunctions.Diagnostics;

namespace PortusFunctions.Tests.Diagnostics;

public sealed class TelemetryServiceCollectionExtensionsTests
{
    [Theory]
    [InlineData("ClientId=1234;Authorization=AAD", "1234")]
    [InlineData(" authorization = aad ; clientid = abc ", "abc")]
    [InlineData("Authorization=AAD", null)]
    [InlineData("ClientId=1234", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ManagedIdentityClientId_AuthenticationString_ReturnsClientIdOnlyForAad(string? value, string? expected)
    {
        Assert.Equal(expected, TelemetryServiceCollectionExtensions.ManagedIdentityClientId(value));
    }
}
