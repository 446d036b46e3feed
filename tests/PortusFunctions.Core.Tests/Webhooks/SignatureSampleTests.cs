using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Core.Tests.Webhooks;

/// <summary>The verification code that docs/webhooks.md gives subscribers, checked against a known signature.</summary>
public sealed class SignatureSampleTests
{
    private const string Header = "t=1733400000,v1=f0653bfa2dab80dff6cd331d54921920db765d3a743d858af9a4b2d07f2a690e";

    [Fact]
    public void Sample_KnownSignature_IsValid()
    {
        Assert.True(IsValidPortusSignature("test-secret-0123456789", Header, Encoding.UTF8.GetBytes("{\"id\":\"1\"}"), DateTimeOffset.FromUnixTimeSeconds(1733400060)));
    }

    [Fact]
    public void Sample_ChangedBody_IsInvalid()
    {
        Assert.False(IsValidPortusSignature("test-secret-0123456789", Header, Encoding.UTF8.GetBytes("{\"id\":\"2\"}"), DateTimeOffset.FromUnixTimeSeconds(1733400060)));
    }

    [Fact]
    public void Sample_OldTimestamp_IsInvalid()
    {
        Assert.False(IsValidPortusSignature("test-secret-0123456789", Header, Encoding.UTF8.GetBytes("{\"id\":\"1\"}"), DateTimeOffset.FromUnixTimeSeconds(1733400000 + 3600)));
    }

    // Same code as in docs/webhooks.md.
    private static bool IsValidPortusSignature(string secret, string signatureHeader, byte[] body, DateTimeOffset now)
    {
        string? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in signatureHeader.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair is ["t", var t])
            {
                timestamp = t;
            }
            else if (pair is ["v1", var v1])
            {
                signatures.Add(v1);
            }
        }

        // Reject requests signed more than 5 minutes away from now: someone may be replaying a captured request.
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > 300)
        {
            return false;
        }

        var signed = Encoding.ASCII.GetBytes(timestamp + ".").Concat(body).ToArray();
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexString(hash).ToLowerInvariant());
        return signatures.Any(signature => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)));
    }
}
