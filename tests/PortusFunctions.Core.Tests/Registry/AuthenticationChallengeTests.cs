using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Registry;

public sealed class AuthenticationChallengeTests
{
    [Fact]
    public void Parse_BearerWithScopeHoldingCommas_KeepsScopeWhole()
    {
        var challenges = AuthenticationChallenge.Parse(
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:team/app:pull,push\"");

        var challenge = Assert.Single(challenges);
        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.example.com/token", challenge.Realm);
        Assert.Equal("registry.example.com", challenge.Service);
        Assert.Equal("repository:team/app:pull,push", challenge.Scope);
    }

    [Fact]
    public void Parse_Basic_ReadsRealm()
    {
        var challenge = Assert.Single(AuthenticationChallenge.Parse("Basic realm=\"test-realm\""));

        Assert.True(challenge.IsBasic);
        Assert.Equal("test-realm", challenge.Realm);
    }

    [Fact]
    public void Parse_TwoChallengesInOneValue_ReadsBoth()
    {
        var challenges = AuthenticationChallenge.Parse("Basic realm=\"a\", Bearer realm=\"https://auth/token\", service=svc");

        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBasic);
        Assert.Equal("a", challenges[0].Realm);
        Assert.True(challenges[1].IsBearer);
        Assert.Equal("https://auth/token", challenges[1].Realm);
        Assert.Equal("svc", challenges[1].Service);
    }

    [Fact]
    public void Parse_EscapedQuoteAndCaseInsensitiveNames_Unescapes()
    {
        var challenge = Assert.Single(AuthenticationChallenge.Parse("bearer REALM=\"https://a/t\", Service=\"say \\\"hi\\\"\""));

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://a/t", challenge.Realm);
        Assert.Equal("say \"hi\"", challenge.Service);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("   ")]
    public void Parse_Empty_ReturnsNone(string? value)
    {
        Assert.Empty(AuthenticationChallenge.Parse(value));
    }

    [Fact]
    public void Parse_UnterminatedQuote_KeepsParametersBeforeIt()
    {
        var challenge = Assert.Single(AuthenticationChallenge.Parse("Bearer realm=\"https://a/t\",service=\"broken"));

        Assert.Equal("https://a/t", challenge.Realm);
        Assert.Null(challenge.Service);
    }
}
