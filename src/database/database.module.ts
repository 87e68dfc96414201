import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { ChangeFeedService } from './change-feed.service';
import { DATABASE_URL } from './database.tokens';
import { WriteAndPublish } from './write-and-publish';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number, queryTimeoutMs?: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(url, poolSize, queryTimeoutMs),
          // Entities are registered by the feature modules whose stores inject their repositories (TypeOrmModule.forFeature).
          entities: [],
          autoLoadEntities: true,
          migrations: [],
          // Boot fails fast with a clear error instead of retrying for minutes.
          retryAttempts: 0,
        }),
      ],
      providers: [{ provide: DATABASE_URL, useValue: url }, ChangeFeedService, WriteAndPublish],
      exports: [DATABASE_URL, ChangeFeedService, WriteAndPublish],
    };
  }
}
