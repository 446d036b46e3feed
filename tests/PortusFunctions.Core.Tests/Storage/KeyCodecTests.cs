using CsCheck;
using PortusFunctions.Storage;

namespace PortusFunctions.Tests.Storage;

public sealed class KeyCodecTests
{
    [Theory]
    [InlineData("library/alpine", "library%2Falpine")]
    [InlineData("team/app/api", "team%2Fapp%2Fapi")]
    [InlineData("a__b.c-d", "a__b.c-d")]
    [InlineData("100%", "100%25")]
    [InlineData("x#y?z\\w", "x%23y%3Fz%5Cw")]
    [InlineData("tab\there", "tab%09here")]
    public void Encode_KnownNames_GivesExpectedKey(string name, string key)
    {
        Assert.Equal(key, KeyCodec.Encode(name));
        Assert.Equal(name, KeyCodec.Decode(key));
    }

    [Fact]
    public void EncodeDecode_AnyString_RoundTripsWithoutForbiddenCharacters()
    {
        Gen.String.Sample(value =>
        {
            var key = KeyCodec.Encode(value);

            Assert.Equal(value, KeyCodec.Decode(key));
            Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        }, iter: 5000);
    }

    [Theory]
    [InlineData("%")]
    [InlineData("abc%2")]
    [InlineData("%zz")]
    public void Decode_MalformedEscape_ThrowsFormatException(string key)
    {
        var failure = Assert.Throws<FormatException>(() => KeyCodec.Decode(key));

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }
}
