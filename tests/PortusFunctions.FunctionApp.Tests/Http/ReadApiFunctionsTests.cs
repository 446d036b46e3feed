using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.FunctionApp.Http;
using PortusFunctions.Http;
using PortusFunctions.Images;
using PortusFunctions.Scanning;
using PortusFunctions.Storage;

namespace PortusFunctions.FunctionApp.Tests.Http;

public sealed class ReadApiFunctionsTests
{
    private readonly Mock<IImageStore> _images = new(MockBehavior.Strict);

    [Fact]
    public async Task ListRepositories_WithReaderKey_ReturnsStoreListing()
    {
        _images.Setup(images => images.ListRepositoriesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([new RepositoryListing("team/app", "team", 2, 2)]);
        var context = NewRequest("Bearer reader");

        var result = await CreateFunctions().ListRepositoriesAsync(context.Request, CancellationToken.None);
        var (status, body) = await FunctionResults.ExecuteAsync(result, context);

        Assert.Equal(200, status);
        Assert.Equal("{\"repositories\":[{\"name\":\"team/app\",\"namespace\":\"team\",\"tagCount\":2,\"manifestCount\":2}]}", body);
    }

    [Fact]
    public async Task ListRepositories_WithoutKey_Returns401WithoutReading()
    {
        var context = NewRequest(authorization: null);

        var result = await CreateFunctions().ListRepositoriesAsync(context.Request, CancellationToken.None);
        var (status, _) = await FunctionResults.ExecuteAsync(result, context);

        Assert.Equal(401, status);
        _images.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task ListTags_UnknownRepository_Returns404()
    {
        _images.Setup(images => images.GetRepositoryAsync("team/none", It.IsAny<CancellationToken>())).ReturnsAsync((ImagePartition?)null);
        var context = NewRequest("Bearer reader");
        context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?repository=team/none");

        var result = await CreateFunctions().ListTagsAsync(context.Request, CancellationToken.None);
        var (status, body) = await FunctionResults.ExecuteAsync(result, context);

        Assert.Equal(404, status);
        Assert.Contains("team/none", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTags_MissingParameter_Returns400NamingIt()
    {
        var context = NewRequest("Bearer reader");

        var result = await CreateFunctions().ListTagsAsync(context.Request, CancellationToken.None);
        var (status, body) = await FunctionResults.ExecuteAsync(result, context);

        Assert.Equal(400, status);
        Assert.Contains("repository", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRepositories_StorageDown_Returns503()
    {
        _images.Setup(images => images.ListRepositoriesAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new StorageUnavailableException("down"));
        var context = NewRequest("Bearer reader");

        var result = await CreateFunctions().ListRepositoriesAsync(context.Request, CancellationToken.None);
        var (status, _) = await FunctionResults.ExecuteAsync(result, context);

        Assert.Equal(503, status);
    }

    private ReadApiFunctions CreateFunctions()
    {
        var access = new ApiAccess(Mock.Of<IOptionsMonitor<AccessOptions>>(monitor =>
            monitor.CurrentValue == new AccessOptions { ReaderKey = "reader", AdminKey = "admin" }));
        var storage = new TableStore(Options.Create(new StorageOptions { Tables = "UseDevelopmentStorage=true" }));
        var scans = Mock.Of<IScanStore>(MockBehavior.Strict);
        var scanOptions = Options.Create(new ScanOptions { Scanner = ScannerKinds.None });
        return new ReadApiFunctions(
            new RepositoryEndpoints(_images.Object, scans, scanOptions, access),
            new VulnerabilityEndpoint(_images.Object, scans, scanOptions, access),
            new HealthEndpoint(storage, access));
    }

    private static Microsoft.AspNetCore.Http.DefaultHttpContext NewRequest(string? authorization)
    {
        var context = FunctionResults.NewContext();
        context.Request.Method = "GET";
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }
}
