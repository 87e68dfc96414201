import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Page, PageQuery } from '../common/pagination';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import {
  DeliveryPage,
  DeliveryResponse,
  toDeliveryResponse,
  toWebhookResponse,
  toWebhookWithSecretResponse,
  WebhookPage,
  WebhookResponse,
  WebhookWithSecretResponse,
} from './webhook.response';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookSubscriptionsService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events; the answer holds the signing secret, shown only here' })
  @ApiCreatedResponse({ type: WebhookWithSecretResponse })
  async create(@Body() dto: CreateWebhookDto): Promise<WebhookWithSecretResponse> {
    return toWebhookWithSecretResponse(await this.webhooks.create(dto), this.webhooks.now());
  }

  @Get()
  @ApiOperation({ summary: 'Webhook subscriptions, newest first (no secrets)' })
  @ApiOkResponse({ type: WebhookPage })
  async list(@Query() query: PageQuery): Promise<Page<WebhookResponse>> {
    const page = await this.webhooks.list(query.limit ?? 50, query.offset ?? 0);
    const now = this.webhooks.now();
    return { ...page, items: page.items.map((s) => toWebhookResponse(s, now)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook subscription (no secret)' })
  @ApiOkResponse({ type: WebhookResponse })
  async get(@Param('id') id: string): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.get(id), this.webhooks.now());
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, format, description or active' })
  @ApiOkResponse({ type: WebhookResponse })
  async update(@Param('id') id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.update(id, dto), this.webhooks.now());
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription and its deliveries' })
  @ApiNoContentResponse({ description: 'Removed' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'New signing secret (shown once); the old one keeps signing alongside it for 24 h' })
  @ApiOkResponse({ type: WebhookWithSecretResponse })
  async rotateSecret(@Param('id') id: string): Promise<WebhookWithSecretResponse> {
    return toWebhookWithSecretResponse(await this.webhooks.rotateSecret(id), this.webhooks.now());
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a webhook.test delivery to this subscription; returns the delivery' })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  async test(@Param('id') id: string): Promise<DeliveryResponse> {
    return toDeliveryResponse(await this.webhooks.sendTest(id));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Deliveries of one subscription, newest first, optionally by status' })
  @ApiOkResponse({ type: DeliveryPage })
  async deliveries(@Param('id') id: string, @Query() query: ListDeliveriesQuery): Promise<Page<DeliveryResponse>> {
    const page = await this.webhooks.deliveries(id, query);
    return { ...page, items: page.items.map(toDeliveryResponse) };
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again (same webhook-id), with a fresh set of attempts' })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  async redeliver(@Param('id') id: string, @Param('deliveryId') deliveryId: string): Promise<DeliveryResponse> {
    return toDeliveryResponse(await this.webhooks.redeliver(id, deliveryId));
  }
}
