import { ChatClient } from '@appsyncchat/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfig } from './config';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) => {
    const client = ChatClient.create(config);
    root.render(
      <StrictMode>
        <App client={client} />
      </StrictMode>,
    );
  },
  (error: unknown) => {
    root.render(
      <main className="fatal" role="alert">
        <h1>Cannot start</h1>
        <p>{String((error as Error)?.message ?? error)}</p>
        <p>Start the local stack with <code>dotnet run --project Local</code> and open the Chat app URL it prints.</p>
      </main>,
    );
  },
);
