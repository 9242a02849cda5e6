using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Service.Doh;
using PipShield.Service.Enrolment;

namespace PipShield.Service.Devices;

/// <summary>Adds the device store and the enrolment page to the service host.</summary>
internal static class DevicesRegistration
{
    public static IServiceCollection AddDevices(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<DevicesOptions>, DevicesOptionsValidator>();
        services.AddOptions<DevicesOptions>().PostConfigure<IOptions<ResolverServerOptions>, IOptions<DohOptions>>(
            (devices, server, doh) => DeriveAddresses(devices, server.Value.Tls, doh.Value));
        services.AddSingleton<DeviceStore>();
        services.AddSingleton<IDeviceDirectory>(sp => sp.GetRequiredService<DeviceStore>());
        services.AddHostedService(sp => sp.GetRequiredService<DeviceStore>());
        services.AddSingleton<EnrolmentEndpoint>();
        return services;
    }

    /// <summary>
    /// Fills in the addresses devices use from the encrypted-DNS settings when they are not given: the DoT host name is
    /// <c>Resolver:Server:Tls:HostName</c>, and the DoH URL is that name with DoH's port (when not 443) and path. One
    /// name to set, not three that must agree.
    /// </summary>
    internal static void DeriveAddresses(DevicesOptions devices, TlsOptions tls, DohOptions doh)
    {
        if (!tls.IsConfigured || tls.HostName is not { Length: > 0 } host)
        {
            return;
        }

        devices.DotHostName ??= host;
        if (devices.DohBaseUrl is null && doh.Enabled && doh.EffectiveEndPoints.Count > 0
            && IPEndPoint.TryParse(doh.EffectiveEndPoints[0], out IPEndPoint? endPoint))
        {
            devices.DohBaseUrl = endPoint.Port == 443 ? $"https://{host}{doh.Path}" : $"https://{host}:{endPoint.Port}{doh.Path}";
        }
    }
}
