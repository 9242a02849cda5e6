using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Pipeline;
using PipShield.Service.Enrolment;

namespace PipShield.Service.Devices;

/// <summary>Adds the device store and the enrolment page to the service host.</summary>
internal static class DevicesRegistration
{
    public static IServiceCollection AddDevices(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<DevicesOptions>, DevicesOptionsValidator>();
        services.AddSingleton<DeviceStore>();
        services.AddSingleton<IDeviceDirectory>(sp => sp.GetRequiredService<DeviceStore>());
        services.AddHostedService(sp => sp.GetRequiredService<DeviceStore>());
        services.AddSingleton<EnrolmentEndpoint>();
        return services;
    }
}
