// A real OpenID Connect provider for digifys's SSO tests: panva's oidc-provider with its
// development-only login and consent pages (any login name and password are accepted).
//
// Configuration comes from the environment (set by the `oidc_provider` pytest fixture):
//   OIDC_TEST_PORT           loopback port to listen on
//   OIDC_TEST_CLIENT_ID      the one registered client
//   OIDC_TEST_CLIENT_SECRET  its secret
//   OIDC_TEST_REDIRECT_URI   digifys's allauth callback URL
//
// The login name typed at the provider becomes `sub`; it is also the e-mail claim (marked
// verified), so a test logs in as `anna@example.test` to act as the digifys user with that address.
// A login `pnr:<number>` acts as a BankID login instead: the number, exactly as typed, is sent in
// the Swedish profile's claim https://id.oidc.se/claim/personalIdentityNumber (scope
// https://id.oidc.se/scope/naturalPersonNumber) and there is no e-mail; `pnr:<number>,<e-mail>`
// sends both.
// Prints "listening <issuer>" on stdout once ready.
import Provider from 'oidc-provider';

const NATURAL_PERSON_NUMBER = 'https://id.oidc.se/scope/naturalPersonNumber';
const PERSONAL_IDENTITY_NUMBER = 'https://id.oidc.se/claim/personalIdentityNumber';

const port = Number(process.env.OIDC_TEST_PORT);
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: process.env.OIDC_TEST_CLIENT_ID,
      client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_TEST_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    [NATURAL_PERSON_NUMBER]: [PERSONAL_IDENTITY_NUMBER],
  },
  features: {
    devInteractions: { enabled: true },
  },
  cookies: { keys: ['digifys-test-only-cookie-key'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        if (sub.startsWith('pnr:')) {
          const [number, email] = sub.slice(4).split(',');
          return {
            sub,
            name: 'BankID test',
            [PERSONAL_IDENTITY_NUMBER]: number,
            ...(email ? { email, email_verified: true } : {}),
          };
        }
        return { sub, email: sub, email_verified: true, name: sub };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

// Leave quietly when pytest closes our stdin or sends SIGTERM.
process.on('SIGTERM', () => process.exit(0));
