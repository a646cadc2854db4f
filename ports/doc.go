// Package ports declares the interfaces between the registry core and the
// outside world: driven ports (stores behind a unit of work, the rate-limit
// counter, DNS backends, the clock and id source) that adapters implement,
// and driving ports (RegistrarService, OperatorService) that transports call.
// It imports only core.
package ports
