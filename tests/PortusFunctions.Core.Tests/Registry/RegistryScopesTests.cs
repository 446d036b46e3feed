using PortusFunctions.Registry;
using PortusFunctions.Storage;

namespace PortusFunctions.Tests.Registry;

public sealed class RegistryScopesTests
{
    [Theory]
    [InlineData("/v2/_catalog", "registry:catalog:*")]
    [InlineData("/v2/library/oci/tags/list", "repository:library/oci:pull")]
    [InlineData("/v2/team/app/manifests/v1", "repository:team/app:pull")]
    [InlineData("/v2/a/tags/b/manifests/sha256:abc", "repository:a/tags/b:pull")]
    [InlineData("/v2/a/manifests/b/tags/list", "repository:a/manifests/b:pull")]
    [InlineData("/registry/v2/plain/blobs/sha256:abc", "repository:plain:pull")]
    [InlineData("/v2/", null)]
    [InlineData("/health", null)]
    public void ForPath_RegistryPath_ReturnsScope(string path, string? expected)
    {
        Assert.Equal(expected, RegistryScopes.ForPath(path));
    }
}

public sealed class CatalogOrderTests
{
    // The order Debian's docker-registry 2.8.2 lists these names in its catalog.
    private static readonly string[] RegistryOrder = ["a", "a/b", "a/b/c", "a/z", "a-b", "a.b", "a0", "a_b", "ab", "c/d"];

    [Fact]
    public void Compare_RegistryCatalog_SortsAsRegistry()
    {
        var sorted = RegistryOrder.Reverse().Order(CatalogOrder.Instance).ToArray();

        Assert.Equal(RegistryOrder, sorted);
    }

    [Fact]
    public void Compare_EncodedTableKeys_AgreeWithCatalogOrder()
    {
        var byKey = RegistryOrder.Reverse().OrderBy(KeyCodec.Encode, StringComparer.Ordinal).ToArray();

        Assert.Equal(RegistryOrder, byKey);
    }

    [Fact]
    public void Compare_EqualNames_ReturnsZero()
    {
        Assert.Equal(0, CatalogOrder.Compare("team/app", "team/app"));
    }
}

public sealed class RegistryOptionsValidatorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("https://registry.example.com/")]
    public void Validate_EmptyOrAbsoluteUrl_Succeeds(string? url)
    {
        Assert.True(new RegistryOptionsValidator().Validate(null, new RegistryOptions { Url = url }).Succeeded);
    }

    [Theory]
    [InlineData("registry.example.com", "Registry__Url = 'registry.example.com' is not an absolute http or https URL")]
    [InlineData("ftp://registry.example.com", "is not an absolute http or https URL")]
    [InlineData("https://registry.example.com/?x=1", "has a query or fragment")]
    public void Validate_BadUrl_NamesSetting(string url, string expected)
    {
        var result = new RegistryOptionsValidator().Validate(null, new RegistryOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UserWithoutPassword_NamesBothSettings()
    {
        var result = new RegistryOptionsValidator().Validate(null, new RegistryOptions { Url = "https://r.example.com", Username = "alice" });

        Assert.True(result.Failed);
        Assert.Contains("Registry__Username and Registry__Password must be set together", result.FailureMessage, StringComparison.Ordinal);
    }
}
