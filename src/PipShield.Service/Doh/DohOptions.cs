namespace PipShield.Service.Doh;

/// <summary>
/// DNS-over-HTTPS (RFC 8484). It presents the certificate of <c>Resolver:Server:Tls</c> and stays off until that
/// names one. On a port the warning page's HTTPS also listens on (443 for both by default), the page's server answers
/// DoH too, choosing the certificate by the name the client asks for (<see cref="DohSite"/>).
/// </summary>
public sealed class DohOptions
{
    public const string SectionName = "Doh";

    /// <summary>The endpoints used when <see cref="EndPoints"/> is empty: loopback port 443.</summary>
    public static IReadOnlyList<string> DefaultEndPoints { get; } = ["127.0.0.1:443", "[::1]:443"];

    /// <summary>Serve DoH once a certificate is configured. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Addresses to serve DoH on, as <c>ADDR:PORT</c>. Default empty, meaning <see cref="DefaultEndPoints"/> (defaulted in
    /// code: configuration merges arrays by position).
    /// </summary>
    public List<string> EndPoints { get; set; } = [];

    /// <summary>The URL path of the DoH endpoint; <c>{Path}/{device-id}</c> identifies a device. Default <c>/dns-query</c>.</summary>
    public string Path { get; set; } = "/dns-query";

    /// <summary>The endpoints in effect.</summary>
    public IReadOnlyList<string> EffectiveEndPoints => EndPoints.Count > 0 ? EndPoints : DefaultEndPoints;
}
