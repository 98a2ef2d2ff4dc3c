namespace CpxTeleservice.Orders;

/// <summary>A person the registry already knows, as an order checks them.</summary>
internal sealed class RegisteredPerson
{
    public Guid Id { get; set; }
    public bool HealthProfessional { get; set; }
    public string Nom { get; set; } = "";
    public string Prenom { get; set; } = "";
}
