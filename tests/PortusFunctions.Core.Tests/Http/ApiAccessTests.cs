using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.Http;

namespace PortusFunctions.Tests.Http;

public sealed class ApiAccessTests
{
    private readonly ApiAccess _access = new(Mock.Of<IOptionsMonitor<AccessOptions>>(monitor =>
        monitor.CurrentValue == new AccessOptions { ReaderKey = "reader", AdminKey = "admin" }));

    [Theory]
    [InlineData("Authorization", "Bearer reader")]
    [InlineData("Authorization", "Bearer admin")]
    [InlineData("X-Api-Key", "reader")]
    [InlineData("Authorization", "Basic dXNlcjpyZWFkZXI=")]
    public void RequireReader_ReaderOrAdminKey_Allows(string header, string value)
    {
        Assert.Null(_access.RequireReader(Request(header, value)));
    }

    [Theory]
    [InlineData("Authorization", "Bearer wrong")]
    [InlineData("Authorization", "Basic !!!")]
    [InlineData("X-Api-Key", "")]
    [InlineData("Other", "reader")]
    public void RequireReader_NoValidKey_Returns401(string header, string value)
    {
        var result = Assert.IsType<ProblemWithHeaders>(_access.RequireReader(Request(header, value)));

        Assert.Equal(StatusCodes.Status401Unauthorized, result.Problem.Status);
    }

    [Fact]
    public void RequireAdmin_ReaderKey_Returns401()
    {
        Assert.NotNull(_access.RequireAdmin(Request("Authorization", "Bearer reader")));
        Assert.Null(_access.RequireAdmin(Request("Authorization", "Bearer admin")));
    }

    [Fact]
    public void SecretComparer_DifferentLengths_DoesNotMatch()
    {
        Assert.False(SecretComparer.Matches("abc", "abcd"));
        Assert.False(SecretComparer.Matches("abc", null));
        Assert.True(SecretComparer.Matches("abc", "abc"));
    }

    [Fact]
    public void RequireAdmin_DevelopmentModeWithOnlyReaderKey_Returns401()
    {
        var access = new ApiAccess(Mock.Of<IOptionsMonitor<AccessOptions>>(monitor =>
            monitor.CurrentValue == new AccessOptions { DevelopmentMode = true, ReaderKey = "reader" }));

        var result = Assert.IsType<ProblemWithHeaders>(access.RequireAdmin(Request("Other", "none")));

        Assert.Contains("Access__AdminKey", result.Problem.Detail, StringComparison.Ordinal);
        Assert.NotNull(access.RequireReader(Request("Other", "none")));
    }

    [Fact]
    public void Require_DevelopmentModeWithoutKeys_AllowsAnonymous()
    {
        var access = new ApiAccess(Mock.Of<IOptionsMonitor<AccessOptions>>(monitor =>
            monitor.CurrentValue == new AccessOptions { DevelopmentMode = true }));

        Assert.Null(access.RequireAdmin(Request("Other", "none")));
        Assert.Null(access.RequireReader(Request("Other", "none")));
    }

    private static HttpRequest Request(string header, string value)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[header] = value;
        return context.Request;
    }
}
