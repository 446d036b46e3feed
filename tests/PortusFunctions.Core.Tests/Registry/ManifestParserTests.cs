using System.Text;
using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Registry;

public sealed class ManifestParserTests
{
    private static readonly string Config = "sha256:" + new string('c', 64);
    private static readonly string LayerA = "sha256:" + new string('a', 64);
    private static readonly string LayerB = "sha256:" + new string('b', 64);
    private static readonly string Amd = "sha256:" + new string('1', 64);
    private static readonly string Arm = "sha256:" + new string('2', 64);

    [Fact]
    public void Parse_DockerManifest_SizeIsConfigPlusDistinctLayers()
    {
        var body = $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.DockerManifest}}",
             "config":{"mediaType":"{{MediaTypes.DockerConfig}}","size":1500,"digest":"{{Config}}"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1000,"digest":"{{LayerA}}"},
                       {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":300,"digest":"{{LayerB}}"},
                       {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1000,"digest":"{{LayerA}}"}]}
            """;

        var manifest = ManifestParser.Parse(Encoding.UTF8.GetBytes(body), MediaTypes.DockerManifest);
        var details = manifest.ToDetails(_ => null);

        Assert.False(manifest.IsIndex);
        Assert.Equal(2800, manifest.ImageSize);
        Assert.Equal(2800, details.Size);
        Assert.Equal(MediaTypes.DockerConfig, details.ConfigMediaType);
        Assert.Empty(details.Children);
    }

    [Fact]
    public void Parse_OciManifestWithoutMediaTypeField_TakesContentType()
    {
        var body = $$$"""{"schemaVersion":2,"config":{"mediaType":"{{{MediaTypes.OciConfig}}}","size":10,"digest":"{{{Config}}}"},"layers":[]}""";

        var manifest = ManifestParser.Parse(Encoding.UTF8.GetBytes(body), MediaTypes.OciManifest + "; charset=utf-8");

        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(10, manifest.ImageSize);
    }

    [Fact]
    public void Parse_NoMediaTypeAnywhere_InfersFromShape()
    {
        var body = $$$"""{"schemaVersion":2,"config":{"mediaType":"{{{MediaTypes.DockerConfig}}}","size":10,"digest":"{{{Config}}}"},"layers":[]}""";

        var manifest = ManifestParser.Parse(Encoding.UTF8.GetBytes(body), "application/octet-stream");

        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
    }

    [Fact]
    public void Parse_Index_ChildrenWithPlatformAndSizes()
    {
        var body = $$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.OciIndex}}}","manifests":[
              {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{Amd}}}","size":500,"platform":{"architecture":"amd64","os":"linux"}},
              {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{Arm}}}","size":501,"platform":{"architecture":"arm","os":"linux","variant":"v7"}},
              {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{Config}}}","size":502}]}
            """;

        var manifest = ManifestParser.Parse(Encoding.UTF8.GetBytes(body), null);
        var details = manifest.ToDetails(digest => digest == Amd ? 4096 : null);

        Assert.True(manifest.IsIndex);
        Assert.Null(manifest.ImageSize);
        Assert.Null(details.Size);
        Assert.Equal(
            [
                new ManifestChild(Amd, MediaTypes.OciManifest, "linux/amd64", 4096),
                new ManifestChild(Arm, MediaTypes.OciManifest, "linux/arm/v7", 501),
                new ManifestChild(Config, MediaTypes.OciManifest, null, 502),
            ],
            details.Children);
    }

    [Theory]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:abc")]
    [InlineData("[1,2]")]
    [InlineData("{\"schemaVersion\":1,\"fsLayers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"not-a-digest\"}}")]
    public void Parse_InvalidBody_ThrowsFormatException(string body)
    {
        Assert.Throws<FormatException>(() => ManifestParser.Parse(Encoding.UTF8.GetBytes(body), null));
    }
}

public sealed class TokenResponseTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ParseToken_TokenWithExpiry_ExpiresThen()
    {
        var token = RegistryAuthenticator.ParseToken(Encoding.UTF8.GetBytes("""{"token":"abc","expires_in":300}"""), Now);

        Assert.Equal("abc", token?.Value);
        Assert.Equal(Now.AddSeconds(300), token?.ExpiresAt);
    }

    [Fact]
    public void ParseToken_AccessTokenWithoutExpiry_DefaultsToSixtySeconds()
    {
        var token = RegistryAuthenticator.ParseToken(Encoding.UTF8.GetBytes("""{"access_token":"xyz"}"""), Now);

        Assert.Equal("xyz", token?.Value);
        Assert.Equal(Now.AddSeconds(60), token?.ExpiresAt);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"token\":\"\"}")]
    [InlineData("not json")]
    public void ParseToken_NoToken_ReturnsNull(string body)
    {
        Assert.Null(RegistryAuthenticator.ParseToken(Encoding.UTF8.GetBytes(body), Now));
    }

    [Fact]
    public void IsUsable_NearExpiry_NeedsRenewal()
    {
        var token = new CachedToken("abc", Now, Now.AddSeconds(60));

        Assert.True(token.IsUsable(Now.AddSeconds(49), TimeSpan.Zero));
        Assert.False(token.IsUsable(Now.AddSeconds(51), TimeSpan.Zero));
        Assert.False(token.IsUsable(Now.AddSeconds(25), TimeSpan.FromSeconds(30)));
    }
}
