package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

func (a *app) keysCommand() *cobra.Command {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Create and show the evidence signing key",
		Example: `  hipaa-evidence keys init --key keys/signing-key.pem
  hipaa-evidence keys show`,
		Args: noArgs,
	}
	keys.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Create a local ECDSA P-256 signing key (private key mode 0600, public key at PATH.pub)",
		Long: `keys init creates a new ECDSA P-256 key pair: the PKCS#8 PEM private key at --key
(mode 0600) and the PEM public key beside it at <key>.pub. It never overwrites a key.
Give the printed key id to your auditors out of band: it is the fingerprint they pin.`,
		Example: `  hipaa-evidence keys init
  hipaa-evidence keys init --key /secure/hipaa-evidence.pem`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := a.keyFile()
			s, err := evidence.GenerateKeyFile(path, false)
			if err != nil {
				if errors.Is(err, evidence.ErrKeyExists) {
					return fmt.Errorf("%w (keys init never replaces a key; use `hipaa-evidence keys show` to see it)", err)
				}
				return err
			}
			a.printf("private key: %s (mode 0600)\npublic key:  %s\nkey id:      %s\n", path, evidence.PublicKeyPath(path), evidence.KeyID(s.PublicKey()))
			a.printf("\nGive the key id to your auditors out of band; they compare it with\n  openssl pkey -pubin -in %s -outform DER | sha256sum\n", evidence.PublicKeyPath(path))
			return nil
		},
	})
	keys.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the signing key's id (hex SHA-256 of its DER SubjectPublicKeyInfo) and public key",
		Example: `  hipaa-evidence keys show --key keys/signing-key.pem
  hipaa-evidence keys show --kms-key alias/hipaa-evidence`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.signer(cmd.Context())
			if err != nil {
				return err
			}
			pem, err := evidence.MarshalPublicKeyPEM(s.PublicKey(), s.Demo())
			if err != nil {
				return err
			}
			a.printf("key:    %s\nkey id: %s\n", s, evidence.KeyID(s.PublicKey()))
			if s.Demo() {
				a.printf("WARNING: this is a DEMO key; evidence signed with it proves nothing.\n")
			}
			a.printf("\n%s", pem)
			return nil
		},
	})
	return keys
}
