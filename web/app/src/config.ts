// How the page reaches the backend: /app/config.json, served by the local stack's sidecar (mode "local")
// or deployed next to the app (mode "deployment").
import { type ChatConfig } from '@appsyncchat/client';

interface LocalPageConfig {
  mode: 'local';
  graphqlPath: string;
  apiKey: string;
  region: string;
  eventsEndpoint: string;
  eventsRealtimeUrl: string;
}

interface DeploymentPageConfig {
  mode: 'deployment';
  graphqlUrl: string;
  eventsEndpoint: string;
  region: string;
  apiKey: string;
}

export async function loadConfig(): Promise<ChatConfig> {
  const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const page = (await response.json()) as LocalPageConfig | DeploymentPageConfig;
  if (page.mode === 'local') {
    return {
      graphqlUrl: new URL(page.graphqlPath, location.origin).toString(),
      eventsEndpoint: page.eventsEndpoint,
      region: page.region,
      auth: { type: 'apiKey', apiKey: page.apiKey },
      // Local only: Amplify's wss://<emulator>/event/realtime goes to the emulator's plain ws:// port.
      localRealtimeUrl: page.eventsRealtimeUrl,
    };
  }
  return { graphqlUrl: page.graphqlUrl, eventsEndpoint: page.eventsEndpoint, region: page.region, auth: { type: 'apiKey', apiKey: page.apiKey } };
}
