package manager

import (
	"context"
	"crypto/rand"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DigestKeySecret names the Secret, in the controller's namespace, holding
// the key of the desired-state digests. Digests are recorded in status and on
// release records, which tenants can read; keyed, they reveal nothing about
// the secret values they cover (a plain hash of a short password can be
// guessed). Deleting the Secret makes every release upgrade once.
const DigestKeySecret = "captain-digest-key"

const digestKeyField = "key"

// digestKey reads the digest key, creating it on first start. Replicas
// racing to create it all end up with the one that won.
func digestKey(ctx context.Context, c client.Client, namespace string) ([]byte, error) {
	for attempt := 0; attempt < 2; attempt++ {
		secret := &corev1.Secret{}
		err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: DigestKeySecret}, secret)
		if err == nil {
			key := secret.Data[digestKeyField]
			if len(key) < 32 {
				return nil, fmt.Errorf("Secret %s/%s: key %q must hold at least 32 bytes", namespace, DigestKeySecret, digestKeyField)
			}
			return key, nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("reading Secret %s/%s: %w", namespace, DigestKeySecret, err)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		secret = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: DigestKeySecret, Namespace: namespace},
			Data:       map[string][]byte{digestKeyField: key},
		}
		err = c.Create(ctx, secret)
		if err == nil {
			return key, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating Secret %s/%s: %w", namespace, DigestKeySecret, err)
		}
	}
	return nil, fmt.Errorf("Secret %s/%s: created and deleted concurrently; restart to retry", namespace, DigestKeySecret)
}
